import { sql, type Transaction } from "kysely";
import { newId } from "../ids.js";
import type { Database } from "../db/schema.js";
import type { Db } from "../db/database.js";
import { GroupCommit, type BatchLimits } from "./group-commit.js";
import { CommitUnknownError, flushBatch, prepare, type AppendRequest, type Outcome, type Row } from "./flush.js";
import { committedEvents, defaultVerify, settleUnknownCommit, type VerifyOptions } from "./ambiguous-commit.js";
import { checkEvent } from "./check.js";
import type { AppendOptions, AppendResult, EventStore, ExpectedVersion, NewEvent, ReadStreamOptions, StoredEvent, StreamAppend } from "./types.js";

export interface MysqlEventStoreOptions {
  limits?: Partial<BatchLimits>;
  /** Observes each flushed batch's size (for the append-batch histogram). */
  onBatch?: (size: number) => void;
  /** Runs inside the append transaction just before commit; fault-injection tests delay or throw here. */
  beforeCommit?: (lastPosition: number) => Promise<void>;
  /** How a batch whose COMMIT may have run is looked up before its appends are answered. */
  verify?: Partial<VerifyOptions>;
}

const lockSequence = (trx: Transaction<Database>) =>
  trx.selectFrom("event_sequence").select(["last_position", "last_hash"]).where("id", "=", 1).forUpdate().executeTakeFirstOrThrow();

function toStored(r: Row): StoredEvent {
  return {
    position: Number(r.position),
    eventId: r.event_id,
    streamId: r.stream_id,
    version: r.version,
    type: r.type,
    data: JSON.parse(r.data) as unknown,
    metadata: JSON.parse(r.metadata) as StoredEvent["metadata"],
    tag: r.tag,
    occurredAt: r.occurred_at,
  };
}

/**
 * MySQL/MariaDB adapter. Every append transaction first locks the one `event_sequence` row and
 * takes positions from it, so transactions assign and commit positions in the same order and a
 * rollback returns its numbers: readers can never see N+1 before N.
 *
 * An append whose COMMIT may have run without its answer arriving (a connection lost during it) is
 * looked up by event id before it is answered: committed, it succeeds; absent, it fails; unknown
 * (the database stayed away), it fails with AppendOutcomeUnknownError and its caller keeps what
 * it reserved. So no caller gives a reservation back for an event that is in the store.
 */
export class MysqlEventStore implements EventStore {
  private readonly committer: GroupCommit<AppendRequest, AppendResult[]>;

  constructor(
    private readonly db: Db,
    options: MysqlEventStoreOptions = {},
  ) {
    const verify = { ...defaultVerify, ...options.verify };
    this.committer = new GroupCommit(
      (batch) => this.flush(batch, options.beforeCommit, verify),
      { maxItems: 500, maxBytes: 4 * 1024 * 1024, ...options.limits },
      options.onBatch,
    );
  }

  private async flush(batch: AppendRequest[], beforeCommit: MysqlEventStoreOptions["beforeCommit"], verify: VerifyOptions): Promise<Outcome[]> {
    try {
      return await flushBatch(this.db, batch, beforeCommit);
    } catch (err) {
      if (!(err instanceof CommitUnknownError)) throw err;
      return settleUnknownCommit(this.db, batch, err.cause, verify);
    }
  }

  async append(streamId: string, expected: ExpectedVersion, events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    const [result] = await this.appendMulti([{ streamId, expected, events }], options);
    return result!;
  }

  /** Every event is checked against its schema before any is queued: a refused one fails the call and writes nothing. */
  async appendMulti(parts: readonly StreamAppend[], options: AppendOptions = {}): Promise<AppendResult[]> {
    if (parts.length === 0 || parts.some((p) => p.events.length === 0)) throw new Error("append needs at least one event per stream");
    let bytes = 0;
    const prepared = parts.map((p) => {
      const events = p.events.map((e) => {
        checkEvent(p.streamId, e);
        return prepare(e);
      });
      for (const e of events) bytes += e.data.length + e.metadata.length + 128;
      return { streamId: p.streamId, expected: p.expected, events };
    });
    return this.committer.submit({ parts: prepared, options }, bytes);
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    let q = this.db.selectFrom("events").selectAll().where("stream_id", "=", streamId);
    if (options.fromVersion !== undefined) q = q.where("version", ">=", options.fromVersion);
    if (options.toVersion !== undefined) q = q.where("version", "<=", options.toVersion);
    if (options.toPosition !== undefined) q = q.where("position", "<=", options.toPosition);
    return (await q.orderBy("version").execute()).map(toStored);
  }

  async readByTag(tag: string, options: { toPosition?: number } = {}): Promise<StoredEvent[]> {
    let q = this.db.selectFrom("events").selectAll().where("tag", "=", tag);
    if (options.toPosition !== undefined) q = q.where("position", "<=", options.toPosition);
    return (await q.orderBy("position").execute()).map(toStored);
  }

  async readEvent(eventId: string): Promise<StoredEvent | null> {
    const row = await this.db.selectFrom("events").selectAll().where("event_id", "=", eventId).executeTakeFirst();
    return row ? toStored(row) : null;
  }

  async readAll(after: number, limit: number): Promise<StoredEvent[]> {
    const rows = await this.db.selectFrom("events").selectAll().where("position", ">", after).orderBy("position").limit(limit).execute();
    return rows.map(toStored);
  }

  async headPosition(): Promise<number> {
    const row = await this.db.selectFrom("event_sequence").select("last_position").where("id", "=", 1).executeTakeFirstOrThrow();
    return Number(row.last_position);
  }

  async rotateFence(key: string): Promise<string> {
    const token = newId();
    await this.db.transaction().execute(async (trx) => {
      await lockSequence(trx);
      await sql`INSERT INTO guard_fences (fence_key, token) VALUES (${key}, ${token})
                ON DUPLICATE KEY UPDATE token = VALUES(token)`.execute(trx);
    });
    return token;
  }

  async committedEventIds(eventIds: string[]): Promise<Set<string>> {
    return new Set((await committedEvents(this.db, eventIds)).keys());
  }

  async close(): Promise<void> {
    await this.committer.idle();
  }
}
