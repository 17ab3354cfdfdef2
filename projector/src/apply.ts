import { sql } from "kysely";
import { PROJECTOR_CHECKPOINT, type Db, type StoredEvent } from "@surge/shared";
import { recordFailure, type Quarantine } from "./failures.js";
import type { HandlerMap } from "./projections/index.js";

export interface ApplyResult {
  /** Events applied now, in position order (unknown types included: they are marked handled). */
  applied: StoredEvent[];
  /** Events skipped because an earlier delivery (or this batch) already handled them. */
  duplicates: number;
  /** The batch's highest position: the checkpoint is at least this now. */
  position: number;
  /** Events set aside as poison (recorded in projection_failures, marked handled, not applied). */
  quarantined: StoredEvent[];
}

/** A handler threw: says for which event, so a source can retry it or set it aside as poison. */
export class EventHandlerError extends Error {
  override name = "EventHandlerError";
  constructor(
    readonly event: StoredEvent,
    cause: unknown,
  ) {
    super(`${event.type} ${event.eventId} at position ${event.position}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/**
 * Applies a batch in one transaction: read-model changes, event_handled rows and the checkpoint
 * commit together or not at all. Delivery is at least once (a crash before commit, a replay, a
 * second source); because the "handled" marks commit with the changes, the effect is exactly once.
 */
export async function applyBatch(
  db: Db,
  handlers: HandlerMap,
  events: StoredEvent[],
  checkpoint = PROJECTOR_CHECKPOINT,
  /** Poison events by id: recorded as failures in the same transaction instead of being applied. */
  quarantine: Quarantine = new Map(),
): Promise<ApplyResult> {
  const byId = new Map<string, StoredEvent>();
  for (const e of events) if (!byId.has(e.eventId)) byId.set(e.eventId, e);
  const unique = [...byId.values()].sort((a, b) => a.position - b.position);
  const last = unique.at(-1);
  if (!last) return { applied: [], duplicates: 0, position: 0, quarantined: [] };

  return db
    .transaction()
    .setIsolationLevel("read committed")
    .execute(async (trx) => {
      const handled = await trx.selectFrom("event_handled").select("event_id").where("event_id", "in", [...byId.keys()]).execute();
      const seen = new Set(handled.map((r) => r.event_id));
      const fresh = unique.filter((e) => !seen.has(e.eventId));
      const quarantined: StoredEvent[] = [];
      for (const event of fresh) {
        const failure = quarantine.get(event.eventId);
        if (failure) {
          await recordFailure(trx, failure, event);
          quarantined.push(event);
          continue;
        }
        for (const handler of handlers.get(event.type) ?? []) {
          try {
            await handler(trx, event);
          } catch (err) {
            throw new EventHandlerError(event, err);
          }
        }
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
      return { applied: fresh.filter((e) => !quarantine.has(e.eventId)), duplicates: events.length - fresh.length, position: last.position, quarantined };
    });
}

/**
 * Moves the checkpoint alone, for a safe position no event of a batch carried (Kafka mode: every
 * event up to the watermark was applied earlier). Never backwards.
 */
export async function advanceCheckpoint(db: Db, position: number, checkpoint = PROJECTOR_CHECKPOINT): Promise<void> {
  await db
    .insertInto("projection_checkpoints")
    .values({ name: checkpoint, position })
    .onDuplicateKeyUpdate({ position: sql`GREATEST(position, VALUES(position))`, updated_at: sql`CURRENT_TIMESTAMP(3)` })
    .execute();
}
