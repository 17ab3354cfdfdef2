import { setTimeout as delay } from "node:timers/promises";
import type { BenchArgs } from "./args.js";
import { monotonicUs, type Window } from "./cpuprofile.js";
import { startCpuSampler, type CpuShares, type Watched } from "./cpu-usage.js";
import { runLoad, type LoadOptions, type LoadResult } from "./load.js";

export interface Measurement {
  warmup: LoadResult | null;
  main: LoadResult;
  cpu: CpuShares;
  /** The measured window on the monotonic clock, to cut the child's CPU profile to it. */
  window: Window;
}

export type Target = Omit<LoadOptions, "connections" | "durationS">;

/** Warm-up (unmeasured, but its responses still count for correctness), then the measured window. */
export async function measure(
  target: Target,
  args: BenchArgs,
  watched: Watched[],
  log: (line: string) => void,
  beforeMain?: () => Promise<void>,
): Promise<Measurement> {
  let warmup: LoadResult | null = null;
  if (args.warmupS > 0) {
    log(`  warm-up ${args.warmupS} s`);
    warmup = await runLoad({ ...target, connections: args.connections, durationS: args.warmupS });
  }
  await beforeMain?.();
  log(`  measuring ${args.durationS} s at ${args.connections} connections`);
  const stopSampler = await startCpuSampler(watched);
  const fromUs = monotonicUs();
  // CPU shares cover the window only, not the drain and autocannon's last idle tick after it.
  const cpu = delay(args.durationS * 1000).then(stopSampler);
  const main = await runLoad({ ...target, connections: args.connections, durationS: args.durationS });
  return { warmup, main, cpu: await cpu, window: { fromUs, toUs: fromUs + args.durationS * 1e6 } };
}

export const count = (m: Measurement, status: number) => (m.warmup?.byStatus[status] ?? 0) + (m.main.byStatus[status] ?? 0);
