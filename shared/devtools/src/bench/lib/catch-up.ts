import { readFile } from "node:fs/promises";
import { setTimeout as delay } from "node:timers/promises";
import { readCheckpoint } from "@surge/platform/db/checkpoints";
import { type Db } from "@surge/platform/db/database";
import type { NodeChild } from "./child.js";
import { monotonicUs, type Window } from "./cpuprofile.js";
import { metricSum, scrapeMetrics } from "./metrics.js";

export interface CatchUp {
  seconds: number;
  /** From the start until the checkpoint first moved: start-up, and the wait for the first records. */
  firstMoveS: number;
  peakMb: number;
  /** The monotonic span of the run, to cut a CPU profile to it. */
  window: Window;
}

export interface Follower {
  child: NodeChild;
  db: Db;
  /** The checkpoint row that says how far the process got. */
  checkpoint: string;
}

export interface Instant {
  ms: number;
  us: number;
}

/** Peak resident set of a process, from the kernel's high-water mark. */
async function peakRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
  return kb ? Number(kb) / 1024 : Number.NaN;
}

export const now = (): Instant => ({ ms: performance.now(), us: monotonicUs() });

/**
 * Waits until every follower's checkpoint reaches `head`, sampling each process's peak RSS. Times
 * count from `startedAt`, taken before the processes were started.
 */
export async function timeCatchUp(startedAt: Instant, followers: Follower[], head: number): Promise<CatchUp[]> {
  const out = followers.map(() => ({ seconds: Number.NaN, firstMoveS: Number.NaN, peakMb: 0, window: { fromUs: startedAt.us, toUs: Number.NaN } }));
  const since = () => (performance.now() - startedAt.ms) / 1000;
  while (out.some((r) => Number.isNaN(r.seconds))) {
    for (const [i, f] of followers.entries()) {
      const r = out[i]!;
      if (!Number.isNaN(r.seconds)) continue;
      const at = await readCheckpoint(f.db, f.checkpoint);
      if (at > 0 && Number.isNaN(r.firstMoveS)) r.firstMoveS = since();
      r.peakMb = Math.max(r.peakMb, await peakRssMb(f.child.pid));
      if (at >= head) {
        r.seconds = since();
        r.window.toUs = monotonicUs();
      }
    }
    await delay(50);
  }
  return out;
}

/** Time a projector spent applying batches (its transactions), from its own histogram. */
export async function applyTime(projector: NodeChild): Promise<string> {
  const text = await scrapeMetrics(projector.url);
  const seconds = metricSum(text, "projector_batch_duration_seconds_sum");
  return `${seconds.toFixed(1)} s in ${metricSum(text, "projector_batch_duration_seconds_count")} transactions`;
}
