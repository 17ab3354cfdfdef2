import { Gauge, type Registry } from "prom-client";
import type { CheckpointLag } from "../db/checkpoints.js";

/**
 * `<prefix>_lag_events` and `<prefix>_lag_seconds` of a follower of the log, both read from one
 * measurement per scrape (`lag` is expected to share it), so the two never disagree.
 */
export function lagGauges(prefix: string, help: { events: string; seconds: string }, registry: Registry, lag: () => Promise<CheckpointLag | null>) {
  const registers = [registry];
  return {
    lagEvents: new Gauge({
      name: `${prefix}_lag_events`,
      help: help.events,
      registers,
      async collect() {
        const l = await lag();
        if (l) this.set(l.events);
      },
    }),
    lagSeconds: new Gauge({
      name: `${prefix}_lag_seconds`,
      help: help.seconds,
      registers,
      async collect() {
        const l = await lag();
        if (l) this.set(l.seconds);
      },
    }),
  };
}
