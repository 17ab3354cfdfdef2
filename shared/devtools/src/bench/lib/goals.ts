import { readFile } from "node:fs/promises";
import type { CpuShares } from "./cpu-usage.js";

/** CPU of one watched process per request answered in the window, in µs. */
export const cpuUs = (s: CpuShares, label: string, requestsPerSec: number): number => ((s.byLabel[label] ?? Number.NaN) / 100 / requestsPerSec) * 1e6;

export const verdict = (met: boolean): string => (met ? "met" : "not met");

/**
 * The yardstick: the app's CPU per request over the bare route's, both from the same run,
 * so a busy machine slows both alike and the ratio stays comparable between runs.
 */
export function cpuRatioLine(name: string, appUs: number, bareUs: number, goal: number): { line: string; met: boolean } {
  const ratio = appUs / bareUs;
  const met = ratio <= goal;
  return {
    met,
    line: `- ${name} CPU per request: **${appUs.toFixed(0)} µs** vs bare **${bareUs.toFixed(0)} µs** = **${ratio.toFixed(2)}×** (goal ≤ ${goal}×: ${verdict(met)})`,
  };
}

export function p99Line(name: string, p99Ms: number, goalMs: number): { line: string; met: boolean } {
  const met = p99Ms <= goalMs;
  return { met, line: `- ${name} p99 **${p99Ms.toFixed(1)} ms** (goal ≤ ${goalMs} ms: ${verdict(met)})` };
}

/** Resident set size of a process now, in MB (0 once it is gone). */
export async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  const kb = /^VmRSS:\s+(\d+)/m.exec(status)?.[1];
  return kb ? Number(kb) / 1024 : 0;
}

/** Samples a process's RSS until stopped; the stop answers the peak. */
export function startRssSampler(pid: number, intervalMs = 100): () => number {
  let peak = 0;
  const timer = setInterval(() => {
    void rssMb(pid).then((mb) => (peak = Math.max(peak, mb)));
  }, intervalMs);
  return () => {
    clearInterval(timer);
    return peak;
  };
}
