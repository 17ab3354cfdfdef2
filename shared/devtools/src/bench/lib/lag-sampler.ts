import { setTimeout as delay } from "node:timers/promises";
import { measureLag } from "@surge/platform/db/checkpoints";
import { type Db } from "@surge/platform/db/database";
import { type EventStore } from "@surge/platform/eventstore/types";

export interface LagStats {
  samples: number;
  p50S: number;
  p99S: number;
  maxS: number;
  p50Events: number;
  p99Events: number;
  maxEvents: number;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;

function stats(seconds: number[], events: number[]): LagStats {
  const s = [...seconds].sort((a, b) => a - b);
  const e = [...events].sort((a, b) => a - b);
  return {
    samples: s.length,
    p50S: percentile(s, 50),
    p99S: percentile(s, 99),
    maxS: s.at(-1) ?? Number.NaN,
    p50Events: percentile(e, 50),
    p99Events: percentile(e, 99),
    maxEvents: e.at(-1) ?? Number.NaN,
  };
}

/**
 * Samples how far checkpoints trail the store's head at a fixed interval, as the projector's
 * /metrics does (both instants from the database clock): events behind, and the age of the oldest
 * of them. Sampling at a fixed pace weighs each lag by how long it lasted. Returns the stop.
 */
export function startLagSampler(db: Db, store: EventStore, checkpoints: string[], intervalMs: number): () => Promise<Record<string, LagStats>> {
  const seconds = new Map(checkpoints.map((c) => [c, [] as number[]]));
  const events = new Map(checkpoints.map((c) => [c, [] as number[]]));
  let running = true;
  const loop = (async () => {
    while (running) {
      const next = performance.now() + intervalMs;
      const head = await store.headPosition();
      for (const c of checkpoints) {
        const lag = await measureLag(db, head, c);
        seconds.get(c)!.push(lag.seconds);
        events.get(c)!.push(lag.events);
      }
      await delay(Math.max(0, next - performance.now()));
    }
  })();
  return async () => {
    running = false;
    await loop;
    return Object.fromEntries(checkpoints.map((c) => [c, stats(seconds.get(c)!, events.get(c)!)]));
  };
}
