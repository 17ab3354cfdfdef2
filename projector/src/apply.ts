import { sql } from "kysely";
import { PROJECTOR_CHECKPOINT, type Db, type StoredEvent } from "@surge/shared";
import type { HandlerMap } from "./projections/index.js";

export interface ApplyResult {
  /** Events applied now, in position order (unknown types included: they are marked handled). */
  applied: StoredEvent[];
  /** Events skipped because an earlier delivery (or this batch) already handled them. */
  duplicates: number;
  /** The batch's highest position: the checkpoint is at least this now. */
  position: number;
}

/**
 * Applies a batch in one transaction: read-model changes, event_handled rows and the checkpoint
 * commit together or not at all. Delivery is at least once (a crash before commit, a replay, a
 * second source); because the "handled" marks commit with the changes, the effect is exactly once.
 */
export async function applyBatch(db: Db, handlers: HandlerMap, events: StoredEvent[], checkpoint = PROJECTOR_CHECKPOINT): Promise<ApplyResult> {
  const byId = new Map<string, StoredEvent>();
  for (const e of events) if (!byId.has(e.eventId)) byId.set(e.eventId, e);
  const unique = [...byId.values()].sort((a, b) => a.position - b.position);
  const last = unique.at(-1);
  if (!last) return { applied: [], duplicates: 0, position: 0 };

  return db
    .transaction()
    .setIsolationLevel("read committed")
    .execute(async (trx) => {
      const handled = await trx.selectFrom("event_handled").select("event_id").where("event_id", "in", [...byId.keys()]).execute();
      const seen = new Set(handled.map((r) => r.event_id));
      const fresh = unique.filter((e) => !seen.has(e.eventId));
      for (const event of fresh) {
        for (const handler of handlers.get(event.type) ?? []) await handler(trx, event);
      }
      if (fresh.length > 0) {
        // A concurrent applier of the same events fails here on the primary key and rolls back whole.
        await trx
          .insertInto("event_handled")
          .values(fresh.map((e) => ({ event_id: e.eventId, position: e.position })))
          .execute();
      }
      // GREATEST: a late or replayed batch must never move the checkpoint back.
      await trx
        .insertInto("projection_checkpoints")
        .values({ name: checkpoint, position: last.position })
        .onDuplicateKeyUpdate({ position: sql`GREATEST(position, VALUES(position))`, updated_at: sql`CURRENT_TIMESTAMP(3)` })
        .execute();
      return { applied: fresh, duplicates: events.length - fresh.length, position: last.position };
    });
}
