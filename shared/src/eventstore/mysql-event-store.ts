import { sql, type Transaction } from "kysely";
import { v7 as uuidv7 } from "uuid";
import type { Database, Db, EventsTable } from "../db/index.js";
import { ConcurrencyError, FenceError, StaleAppendError } from "../errors/index.js";
import { GroupCommit, type BatchLimits } from "./group-commit.js";
import type { AppendOptions, AppendResult, EventStore, ExpectedVersion, NewEvent, ReadStreamOptions, StoredEvent } from "./types.js";

interface AppendRequest {
  streamId: string;
  expected: ExpectedVersion;
  events: NewEvent[];
  options: AppendOptions;
}

export interface MysqlEventStoreOptions {
  limits?: Partial<BatchLimits>;
  /** Observes each flushed batch's size (for the append-batch histogram). */
  onBatch?: (size: number) => void;
  /** Runs inside the append transaction just before commit; fault-injection tests delay or throw here. */
  beforeCommit?: (lastPosition: number) => Promise<void>;
}

type Row = Omit<EventsTable, "recorded_at">;

const lockSequence = (trx: Transaction<Database>) =>
  trx.selectFrom("event_sequence").select("last_position").where("id", "=", 1).forUpdate().executeTakeFirstOrThrow();

function toStored(r: Row): StoredEvent {
  return {
    position: Number(r.position),
    eventId: r.event_id,
    streamId: r.stream_id,
    version: r.version,
    type: r.type,
    data: JSON.parse(r.data) as unknown,
    metadata: JSON.parse(r.metadata) as StoredEvent["metadata"],
    occurredAt: r.occurred_at,
  };
}

function versionMatches(expected: ExpectedVersion, current: number): boolean {
  if (expected === "any") return true;
  if (expected === "no_stream") return current === 0;
  return expected === current;
}

/**
 * MySQL/MariaDB adapter. Every append transaction first locks the one `event_sequence` row and
 * takes positions from it, so transactions assign and commit positions in the same order and a
 * rollback returns its numbers: readers can never see N+1 before N.
 */
export class MysqlEventStore implements EventStore {
  private readonly committer: GroupCommit<AppendRequest, AppendResult>;

  constructor(
    private readonly db: Db,
    private readonly options: MysqlEventStoreOptions = {},
  ) {
    this.committer = new GroupCommit(
      (batch) => this.flush(batch),
      { maxItems: 500, maxBytes: 4 * 1024 * 1024, ...options.limits },
      options.onBatch,
    );
  }

  append(streamId: string, expected: ExpectedVersion, events: NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    if (events.length === 0) throw new Error("append needs at least one event");
    const bytes = events.reduce((n, e) => n + JSON.stringify(e.data).length + 256, 0);
    return this.committer.submit({ streamId, expected, events, options }, bytes);
  }

  private async flush(batch: AppendRequest[]): Promise<Array<AppendResult | Error>> {
    return this.db
      .transaction()
      .setIsolationLevel("read committed")
      .execute(async (trx) => {
        const seq = await lockSequence(trx);
        const streamIds = [...new Set(batch.map((b) => b.streamId))];
        const versionRows = await trx
          .selectFrom("events")
          .select(["stream_id", (eb) => eb.fn.max("version").as("v")])
          .where("stream_id", "in", streamIds)
          .groupBy("stream_id")
          .execute();
        const versions = new Map(versionRows.map((r) => [r.stream_id, Number(r.v)]));
        const fences = await this.currentFences(trx, batch);

        let position = Number(seq.last_position);
        const rows: Row[] = [];
        const now = Date.now();
        const outcomes = batch.map((req): AppendResult | Error => {
          if (req.options.notAfter !== undefined && now > req.options.notAfter) return new StaleAppendError(req.streamId);
          const fence = req.options.fence;
          if (fence && fences.get(fence.key) !== fence.token) return new FenceError(fence.key);
          const current = versions.get(req.streamId) ?? 0;
          if (!versionMatches(req.expected, current)) return new ConcurrencyError(req.streamId, String(req.expected), current);
          const positions: number[] = [];
          req.events.forEach((e, i) => {
            position += 1;
            positions.push(position);
            rows.push({
              position,
              event_id: e.eventId ?? uuidv7(),
              stream_id: req.streamId,
              version: current + i + 1,
              type: e.type,
              data: JSON.stringify(e.data),
              metadata: JSON.stringify(e.metadata),
              occurred_at: new Date(e.metadata.occurredAt),
            });
          });
          versions.set(req.streamId, current + req.events.length);
          return { streamId: req.streamId, version: current + req.events.length, positions, lastPosition: position };
        });

        if (rows.length > 0) {
          await trx.insertInto("events").values(rows).execute();
          await trx.updateTable("event_sequence").set({ last_position: position }).where("id", "=", 1).execute();
        }
        await this.options.beforeCommit?.(position);
        return outcomes;
      });
  }

  private async currentFences(trx: Transaction<Database>, batch: AppendRequest[]): Promise<Map<string, string>> {
    const keys = [...new Set(batch.flatMap((b) => (b.options.fence ? [b.options.fence.key] : [])))];
    if (keys.length === 0) return new Map();
    const rows = await trx.selectFrom("guard_fences").select(["fence_key", "token"]).where("fence_key", "in", keys).execute();
    return new Map(rows.map((r) => [r.fence_key, r.token]));
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    let q = this.db.selectFrom("events").selectAll().where("stream_id", "=", streamId);
    if (options.fromVersion !== undefined) q = q.where("version", ">=", options.fromVersion);
    if (options.toVersion !== undefined) q = q.where("version", "<=", options.toVersion);
    if (options.toPosition !== undefined) q = q.where("position", "<=", options.toPosition);
    const rows = await q.orderBy("version").execute();
    return rows.map(toStored);
  }

  async readAll(after: number, limit: number): Promise<StoredEvent[]> {
    const rows = await this.db
      .selectFrom("events")
      .selectAll()
      .where("position", ">", after)
      .orderBy("position")
      .limit(limit)
      .execute();
    return rows.map(toStored);
  }

  async headPosition(): Promise<number> {
    const row = await this.db.selectFrom("event_sequence").select("last_position").where("id", "=", 1).executeTakeFirstOrThrow();
    return Number(row.last_position);
  }

  async rotateFence(key: string): Promise<string> {
    const token = uuidv7();
    await this.db.transaction().execute(async (trx) => {
      await lockSequence(trx);
      await sql`INSERT INTO guard_fences (fence_key, token) VALUES (${key}, ${token})
                ON DUPLICATE KEY UPDATE token = VALUES(token)`.execute(trx);
    });
    return token;
  }

  async committedEventIds(eventIds: string[]): Promise<Set<string>> {
    if (eventIds.length === 0) return new Set();
    return this.db
      .transaction()
      .setIsolationLevel("read committed")
      .execute(async (trx) => {
        await lockSequence(trx);
        const rows = await trx.selectFrom("events").select("event_id").where("event_id", "in", eventIds).execute();
        return new Set(rows.map((r) => r.event_id));
      });
  }

  async close(): Promise<void> {
    await this.committer.idle();
  }
}
