import type { Db } from "../db/database.js";
import { AppendOutcomeUnknownError } from "../errors.js";
import { backoffMs, sleep } from "../backoff.js";
import type { AppendRequest, Outcome } from "./flush.js";

export interface VerifyOptions {
  /** Lookups tried before the store gives up and answers AppendOutcomeUnknownError. */
  attempts: number;
  /** First pause between lookups; doubles up to a second. */
  delayMs: number;
}

export const defaultVerify: VerifyOptions = { attempts: 5, delayMs: 50 };

interface Found {
  streamId: string;
  position: number;
  version: number;
}

/**
 * The events among `eventIds` that are committed, read after every append in flight has ended:
 * locking the sequence row waits for any transaction that holds it, the one whose COMMIT was cut
 * included (the server commits or rolls it back before it lets the lock go), so absent means absent.
 */
export async function committedEvents(db: Db, eventIds: readonly string[]): Promise<Map<string, Found>> {
  if (eventIds.length === 0) return new Map();
  return db
    .transaction()
    .setIsolationLevel("read committed")
    .execute(async (trx) => {
      await trx.selectFrom("event_sequence").select("last_position").where("id", "=", 1).forUpdate().executeTakeFirstOrThrow();
      const rows = await trx.selectFrom("events").select(["event_id", "stream_id", "position", "version"]).where("event_id", "in", eventIds).execute();
      return new Map(rows.map((r) => [r.event_id, { streamId: r.stream_id, position: Number(r.position), version: r.version }]));
    });
}

/**
 * The answers for a batch whose COMMIT may or may not have run. Each append is looked up by its
 * events' ids (retried while the database does not answer, a bounded number of times): found, it
 * succeeded, and is answered as if the COMMIT's answer had come; absent, it failed with `cause`
 * and its caller may give back what it reserved; not known, AppendOutcomeUnknownError, and the
 * caller must keep its reservations for the guards' sweepers to settle.
 */
export async function settleUnknownCommit(db: Db, batch: AppendRequest[], cause: unknown, verify: VerifyOptions): Promise<Outcome[]> {
  const ids = batch.flatMap((req) => req.parts.flatMap((p) => p.events.map((e) => e.event_id)));
  let found: Map<string, Found> | null = null;
  for (let attempt = 1; found === null && attempt <= verify.attempts; attempt++) {
    try {
      found = await committedEvents(db, ids);
    } catch {
      if (attempt < verify.attempts) await sleep(backoffMs(attempt, verify.delayMs, 1000));
    }
  }
  const failed = cause instanceof Error ? cause : new Error(String(cause));
  return batch.map((req): Outcome => {
    const streamIds = req.parts.map((p) => p.streamId);
    if (found === null) return new AppendOutcomeUnknownError(streamIds, cause);
    // Found under its own stream: an id appended elsewhere (a duplicate) is not this append.
    const rows = req.parts.map((p) => p.events.map((e) => found.get(e.event_id)).filter((r) => r?.streamId === p.streamId));
    const present = rows.reduce((n, r) => n + r.length, 0);
    if (present === 0) return failed;
    // One transaction commits all of an append or none of it; anything else is not ours to decide.
    if (rows.some((r, i) => r.length !== req.parts[i]!.events.length)) return new AppendOutcomeUnknownError(streamIds, cause);
    const lastPosition = Math.max(...rows.flatMap((r) => r.map((e) => e!.position)));
    return req.parts.map((p, i) => ({
      streamId: p.streamId,
      version: rows[i]!.at(-1)!.version,
      positions: rows[i]!.map((e) => e!.position),
      lastPosition,
    }));
  });
}
