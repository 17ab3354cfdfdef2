import { sql } from "kysely";
import { PROJECTOR_CHECKPOINT } from "../db/checkpoints.js";
import { type Db } from "../db/database.js";
import { type StoredEvent } from "../eventstore/types.js";
import { isTransient, recordFailure, type Quarantine } from "./failures.js";
import { insertRows } from "./multi-row.js";
import { runAll, type Projections, type Trx } from "./handler.js";

export interface ApplyResult {
  /** Events applied now, in position order (unknown types included: they are marked handled). */
  applied: StoredEvent[];
  /** Events skipped because an earlier delivery (or this batch) already handled them. */
  duplicates: number;
  /** The batch's highest position: the checkpoint is at least this now. */
  position: number;
  /** Events set aside as poison (recorded in projection_failures, marked handled, not applied). */
  quarantined: StoredEvent[];
  /** Events of batch runs that failed and were redone event by event (0 unless an event is bad). */
  redone: number;
}

/** A projection threw: says for which event, so a source can retry it or set it aside as poison. */
export class EventHandlerError extends Error {
  override name = "EventHandlerError";
  constructor(
    readonly event: StoredEvent,
    cause: unknown,
  ) {
    super(`${event.type} ${event.eventId} at position ${event.position}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** One event as a run of one, through every projection of its type. */
async function applyOne(trx: Trx, projections: Projections, event: StoredEvent): Promise<void> {
  try {
    await runAll(trx, projections, [event]);
  } catch (err) {
    throw new EventHandlerError(event, err);
  }
}

/**
 * The batch's events as one run (a few statements per read model instead of a few per event). If
 * it fails other than transiently, it is rolled back to a savepoint and redone as runs of one
 * event: that names the event at fault in an EventHandlerError, so a source retries or quarantines
 * that event exactly as if it had come alone.
 */
async function applyRun(trx: Trx, projections: Projections, run: readonly StoredEvent[]): Promise<number> {
  if (run.length === 0) return 0;
  if (run.length === 1) {
    await applyOne(trx, projections, run[0]!);
    return 0;
  }
  await sql`SAVEPOINT projector_run`.execute(trx);
  try {
    await runAll(trx, projections, run);
  } catch (err) {
    // A deadlock or lost connection has ended the transaction: retry the batch whole.
    if (isTransient(err)) throw err;
    await sql`ROLLBACK TO SAVEPOINT projector_run`.execute(trx);
    for (const event of run) await applyOne(trx, projections, event);
    return run.length;
  }
  return 0;
}

/**
 * Applies a batch in one transaction: read-model changes, event_handled rows and the checkpoint
 * commit together or not at all. Delivery is at least once (a crash before commit, a replay, a
 * second source); because the "handled" marks commit with the changes, the effect is exactly once.
 */
export async function applyBatch(
  db: Db,
  projections: Projections,
  events: StoredEvent[],
  checkpoint = PROJECTOR_CHECKPOINT,
  /** Poison events by id: recorded as failures in the same transaction instead of being applied. */
  quarantine: Quarantine = new Map(),
): Promise<ApplyResult> {
  const byId = new Map<string, StoredEvent>();
  for (const e of events) if (!byId.has(e.eventId)) byId.set(e.eventId, e);
  const unique = [...byId.values()].sort((a, b) => a.position - b.position);
  const last = unique.at(-1);
  if (!last) return { applied: [], duplicates: 0, position: 0, quarantined: [], redone: 0 };

  return db
    .transaction()
    .setIsolationLevel("read committed")
    .execute(async (trx) => {
      const handled = await trx
        .selectFrom("event_handled")
        .select("event_id")
        .where("event_id", "in", [...byId.keys()])
        .execute();
      const seen = new Set(handled.map((r) => r.event_id));
      const fresh = unique.filter((e) => !seen.has(e.eventId));
      const quarantined: StoredEvent[] = [];
      // Types nobody handles ride along in the run: no projection takes them, they are only marked handled.
      const run: StoredEvent[] = [];
      for (const event of fresh) {
        const failure = quarantine.get(event.eventId);
        if (failure) {
          await recordFailure(trx, failure, event);
          quarantined.push(event);
        } else run.push(event);
      }
      const redone = await applyRun(trx, projections, run);
      if (fresh.length > 0) {
        // A concurrent applier of the same events fails here on the primary key and rolls back whole.
        await insertRows(
          trx,
          "event_handled",
          ["event_id", "position"],
          fresh.map((e) => [e.eventId, e.position]),
        );
      }
      // GREATEST: a late or replayed batch must never move the checkpoint back.
      await trx
        .insertInto("projection_checkpoints")
        .values({ name: checkpoint, position: last.position })
        .onDuplicateKeyUpdate({ position: sql`GREATEST(position, VALUES(position))`, updated_at: sql`CURRENT_TIMESTAMP(3)` })
        .execute();
      return {
        applied: fresh.filter((e) => !quarantine.has(e.eventId)),
        duplicates: events.length - fresh.length,
        position: last.position,
        quarantined,
        redone,
      };
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
