import { applyBatch } from "@surge/platform/projection/apply";
import { type Projections } from "@surge/platform/projection/handler";
import { readCheckpoint } from "@surge/platform/db/checkpoints";
import { type Db } from "@surge/platform/db/database";
import { type EventStore } from "@surge/platform/eventstore/types";

/** Events per shadow transaction: large enough to amortise the commit, small enough to stay a short transaction. */
export const REPLAY_BATCH = 500;

/** Poison events by id, as applyBatch takes them (recorded and marked handled instead of applied). */
export type Quarantine = NonNullable<Parameters<typeof applyBatch>[4]>;

/**
 * The live projector's open dead letters (Kafka mode sets poison events aside). The replay sets the
 * same events aside, so it can finish past them and its shadow matches a live state that lacks them.
 */
export async function openFailures(db: Db): Promise<Quarantine> {
  const rows = await db
    .selectFrom("projection_failures")
    .select(["event_id", "error", "attempts", "source"])
    .where("resolved_at", "is", null)
    .where("position", "is not", null)
    .execute();
  return new Map(rows.map((r) => [r.event_id, { error: r.error, attempts: r.attempts, source: r.source }]));
}

export interface ReplayIntoOptions {
  quarantine?: Quarantine;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Feeds the live log after the shadow's checkpoint, up to and including `to`, through the
 * projector's own apply (same handlers, same dedup, same checkpoint row) into the shadow database.
 * Returns the shadow's checkpoint, which is `to` unless the log ends earlier.
 */
export async function replayInto(store: EventStore, shadow: Db, handlers: Projections, to: number, options: ReplayIntoOptions = {}): Promise<number> {
  let position = await readCheckpoint(shadow);
  while (position < to) {
    // Positions are gap-free, so this never reads past `to`; the filter is only a guard.
    const events = (await store.readAll(position, Math.min(REPLAY_BATCH, to - position))).filter((e) => e.position <= to);
    const last = events.at(-1);
    if (!last) break;
    await applyBatch(shadow, handlers, events, undefined, options.quarantine);
    position = last.position;
    options.onProgress?.(position, to);
  }
  return position;
}
