import { readdir, readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { performance } from "node:perf_hooks";

/** USER_HZ: 100 on every mainstream Linux build; node cannot ask sysconf. */
const TICKS_PER_S = 100;

export interface Watched {
  label: string;
  pids: number[];
}

async function ticksOf(pid: number): Promise<number> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    // The command name may hold spaces and parentheses: fields are counted after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

async function machineTicks(): Promise<{ busy: number; total: number }> {
  const line = (await readFile("/proc/stat", "utf8")).split("\n", 1)[0] ?? "";
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: total - idle, total };
}

/** Processes whose command line matches, e.g. the database and Redis servers the bench talks to. */
export async function findPids(match: (cmdline: string) => boolean): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir("/proc").catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    if (cmdline && match(cmdline.replaceAll("\0", " ").trim())) pids.push(Number(entry));
  }
  return pids;
}

export interface CpuShares {
  /** Percent of one core per watched label over the sampled span. */
  byLabel: Record<string, number>;
  /** Busy percent of the whole machine (all cores = 100). */
  machineBusy: number;
  /** Percent of one core used by processes the bench did not watch: the noise indicator. */
  others: number;
}

/**
 * On a small box the app, the database, Redis and the load generator share the cores; where the
 * CPU went tells whether a target is CPU-bound or waiting on I/O.
 */
export async function startCpuSampler(watched: Watched[], selfLabel = "load generator"): Promise<() => Promise<CpuShares>> {
  const read = () => Promise.all(watched.map(async (w) => (await Promise.all(w.pids.map(ticksOf))).reduce((a, b) => a + b, 0)));
  const before = await read();
  const machineBefore = await machineTicks();
  const self = process.cpuUsage();
  const t0 = performance.now();
  return async () => {
    const after = await read();
    const machineAfter = await machineTicks();
    const seconds = (performance.now() - t0) / 1000;
    const selfUs = process.cpuUsage(self);
    const byLabel: Record<string, number> = {};
    watched.forEach((w, i) => (byLabel[w.label] = ((after[i]! - before[i]!) / TICKS_PER_S / seconds) * 100));
    byLabel[selfLabel] = ((selfUs.user + selfUs.system) / 1e6 / seconds) * 100;
    const busy = machineAfter.busy - machineBefore.busy;
    const total = machineAfter.total - machineBefore.total;
    const machineBusy = total > 0 ? (busy / total) * 100 : Number.NaN;
    const watchedSum = Object.values(byLabel).reduce((a, b) => a + b, 0);
    return { byLabel, machineBusy, others: Math.max(0, machineBusy * availableParallelism() - watchedSum) };
  };
}

/** Percent of one core others may use during a window before the numbers are flagged as noise. */
const QUIET_OTHERS = 15;

export function noiseWarning(others: number): string[] {
  if (others <= QUIET_OTHERS) return [];
  return [`- **noisy run**: other processes used up to ${others.toFixed(0)}% of a core during a window; re-run on a quiet machine`];
}

export function cpuLine(s: CpuShares): string {
  const parts = Object.entries(s.byLabel).map(([label, pct]) => `${label} ${pct.toFixed(0)}%`);
  return `${parts.join(", ")}, other processes ${s.others.toFixed(0)}% (of one core); machine ${s.machineBusy.toFixed(0)}% busy`;
}

/**
 * CPU time of one process per request served: with a fixed number of connections and no think
 * time, p50 ≈ connections × this ÷ the process's busy share, so it is the number that moves latency.
 */
export function cpuPerRequestLine(label: string, s: CpuShares, requestsPerSec: number): string {
  const share = s.byLabel[label] ?? Number.NaN;
  return `${label}: **${((share / 100 / requestsPerSec) * 1e6).toFixed(0)} µs** of CPU per request at ${share.toFixed(0)}% of a core`;
}

/** The servers the claim path leans on; their CPU share shows who the app competes with. */
export async function backingServers(redisUrl: string): Promise<Watched[]> {
  const redisPort = new URL(redisUrl).port || "6379";
  // redis-server names itself "redis-server host:port"; private test servers on other ports are not ours.
  const isOurRedis = (c: string) => c.startsWith("redis-server") && (c.includes(`:${redisPort}`) || c.includes(`--port ${redisPort}`));
  return [
    { label: "mariadbd", pids: await findPids((c) => /(^|\/)(mariadbd|mysqld)( |$)/.test(c)) },
    { label: "redis-server", pids: await findPids(isOurRedis) },
  ];
}
