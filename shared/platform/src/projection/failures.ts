import { sql, type Transaction } from "kysely";
import { z } from "zod";
import type { Database } from "../db/schema.js";
import type { Db } from "../db/database.js";
import type { Logger } from "pino";
import type { StoredEvent } from "../eventstore/types.js";
import { withApplyLock } from "./apply-lock.js";
import { runAll, type Projections } from "./handler.js";

/** Why an event was set aside, and where it came from (topic/partition@offset). */
export interface FailureInfo {
  error: string;
  attempts: number;
  source: string;
}

/** Poison events of one batch, by event id. */
export type Quarantine = ReadonlyMap<string, FailureInfo>;

/**
 * transient: the database or the network, not the event (deadlock, lost connection): retried
 * without limit, never dead-lettered. schema: the event's data does not fit its type; retrying
 * cannot help. handler: anything else a handler threw; retried a few times, then dead-lettered.
 */
export type FailureKind = "transient" | "schema" | "handler";

const transientCodes = new Set([
  "ER_LOCK_DEADLOCK",
  "ER_LOCK_WAIT_TIMEOUT",
  "ER_CON_COUNT_ERROR",
  "ER_SERVER_SHUTDOWN",
  "ER_QUERY_INTERRUPTED",
  "ER_CLIENT_INTERACTION_TIMEOUT",
  "PROTOCOL_CONNECTION_LOST",
  "PROTOCOL_SEQUENCE_TIMEOUT",
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
]);

export function isTransient(err: unknown): boolean {
  const e = err as { code?: unknown; fatal?: unknown } | null;
  return typeof e === "object" && e !== null && ((typeof e.code === "string" && transientCodes.has(e.code)) || e.fatal === true);
}

/** Classifies the cause of a handler failure (apply wraps it in an EventHandlerError). */
export function classifyFailure(cause: unknown): FailureKind {
  if (isTransient(cause)) return "transient";
  if (cause instanceof z.ZodError) return "schema";
  return "handler";
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 4000);
export const failureMessage = message;

/** The event as retry-failed will read it back. */
const serialize = (e: StoredEvent) => JSON.stringify({ ...e, occurredAt: e.occurredAt.toISOString() });

/** Inside the batch's transaction: records a poison event (a redelivery updates the same row). */
export async function recordFailure(trx: Transaction<Database>, info: FailureInfo, event: StoredEvent): Promise<void> {
  await trx
    .insertInto("projection_failures")
    .values({
      event_id: event.eventId,
      position: event.position,
      stream_id: event.streamId,
      type: event.type,
      event: serialize(event),
      raw: null,
      source: info.source,
      error: info.error,
      attempts: info.attempts,
      failed_at: sql<Date>`CURRENT_TIMESTAMP(3)`,
      resolved_at: null,
    })
    .onDuplicateKeyUpdate({ error: info.error, attempts: info.attempts, source: info.source, failed_at: sql`CURRENT_TIMESTAMP(3)`, resolved_at: null })
    .execute();
}

/** A record that is not an event at all: kept with its raw bytes; there is nothing to retry. */
export async function recordUndecodable(db: Db, id: string, info: FailureInfo, raw: string): Promise<void> {
  await db
    .insertInto("projection_failures")
    .values({
      event_id: id,
      position: null,
      stream_id: null,
      type: null,
      event: null,
      raw: raw.slice(0, 1_000_000),
      source: info.source,
      error: info.error,
      attempts: info.attempts,
      failed_at: sql<Date>`CURRENT_TIMESTAMP(3)`,
      resolved_at: null,
    })
    .onDuplicateKeyUpdate({ error: info.error, failed_at: sql`CURRENT_TIMESTAMP(3)` })
    .execute();
}

const storedEvent = z.object({
  position: z.number(),
  eventId: z.string(),
  streamId: z.string(),
  version: z.number(),
  type: z.string(),
  data: z.unknown(),
  metadata: z.looseObject({}),
  tag: z.string().nullable(),
  occurredAt: z.string(),
});

export interface RetryOutcome {
  resolved: number;
  failed: number;
  /** Records that were never events (nothing to apply). */
  undecodable: number;
}

/**
 * `retry-failed`: applies each open failure again, oldest position first, each in its own
 * transaction that also marks it handled and resolved. The event was marked handled when it was
 * set aside (so redeliveries skip it); that mark is replaced here, in the same transaction.
 */
export async function retryFailed(db: Db, projections: Projections, logger: Logger): Promise<RetryOutcome> {
  const rows = await db.selectFrom("projection_failures").selectAll().where("resolved_at", "is", null).orderBy("position").execute();
  const outcome: RetryOutcome = { resolved: 0, failed: 0, undecodable: 0 };
  for (const row of rows) {
    if (row.event === null) {
      outcome.undecodable++;
      continue;
    }
    const raw = storedEvent.parse(JSON.parse(row.event));
    const event: StoredEvent = { ...raw, metadata: raw.metadata as StoredEvent["metadata"], occurredAt: new Date(raw.occurredAt) };
    try {
      // Under the apply lock, as every batch: a replay --swap must not rename tables under it.
      await withApplyLock(db, (conn) =>
        conn.transaction().execute(async (trx) => {
          await trx.deleteFrom("event_handled").where("event_id", "=", event.eventId).execute();
          await runAll(trx, projections, [event]);
          await trx.insertInto("event_handled").values({ event_id: event.eventId, position: event.position }).execute();
          await trx
            .updateTable("projection_failures")
            .set({ resolved_at: sql<Date>`CURRENT_TIMESTAMP(3)` })
            .where("event_id", "=", event.eventId)
            .execute();
        }),
      );
      outcome.resolved++;
      logger.info({ eventId: event.eventId, type: event.type, position: event.position }, "failed event applied");
    } catch (err) {
      outcome.failed++;
      await db
        .updateTable("projection_failures")
        .set((eb) => ({ attempts: eb("attempts", "+", 1), error: message(err), failed_at: sql<Date>`CURRENT_TIMESTAMP(3)` }))
        .where("event_id", "=", event.eventId)
        .execute();
      logger.error({ err, eventId: event.eventId, type: event.type }, "failed event still fails");
    }
  }
  return outcome;
}
