import { readFile } from "node:fs/promises";

// Types only are shared with phase-probe.ts: importing the probe itself would patch this process.
export interface PhaseStats {
  name: string;
  count: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
}

export interface PhaseReport {
  windowMs: number;
  /** Appends per group-commit transaction. */
  batchSize: { count: number; mean: number; p50: number; p99: number };
  eventLoopUtilization: number;
  loopDelayP50Ms: number;
  loopDelayP99Ms: number;
  phases: PhaseStats[];
}

export async function readPhases(file: string): Promise<PhaseReport | null> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as PhaseReport;
  } catch {
    return null;
  }
}

export function formatPhases(r: PhaseReport): string {
  const f = (v: number) => v.toFixed(2).padStart(8);
  const rows = [...r.phases]
    .sort((a, b) => b.meanMs * b.count - a.meanMs * a.count)
    .map((p) => `  ${String(p.count).padStart(7)} ${f(p.meanMs)} ${f(p.p50Ms)} ${f(p.p99Ms)}  ${p.name}`);
  const b = r.batchSize;
  return [
    `window ${(r.windowMs / 1000).toFixed(1)} s; event loop busy ${(r.eventLoopUtilization * 100).toFixed(0)}%, ` +
      `loop delay p50 ${r.loopDelayP50Ms.toFixed(2)} ms, p99 ${r.loopDelayP99Ms.toFixed(2)} ms`,
    `group commit: ${b.count} transactions, ${b.mean.toFixed(1)} appends each (p50 ${b.p50}, p99 ${b.p99})`,
    "    count  mean ms   p50 ms   p99 ms  stage (issue → callback, event-loop wait included)",
    ...rows,
  ].join("\n");
}
