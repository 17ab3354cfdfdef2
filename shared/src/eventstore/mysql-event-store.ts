import { CompiledQuery, sql, type Transaction } from "kysely";
import { v7 as uuidv7 } from "uuid";
import type { Database, Db, EventsTable } from "../db/index.js";
import { ConcurrencyError, FenceError, StaleAppendError } from "../errors/index.js";
import { GroupCommit, type BatchLimits } from "./group-commit.js";
import { chainHash } from "./chain.js";
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  ExpectedVersion,
  NewEvent,
  ReadStreamOptions,
  StoredEvent,
  StreamAppend,
} from "./types.js";

/** An event serialized when it is submitted, outside the sequence lock that its batch will hold. */
type PreparedEvent = Pick<Row, "event_id" | "type" | "data" | "metadata" | "tag" | "occurred_at">;

interface AppendRequest {
  parts: Array<{ streamId: string; expected: ExpectedVersion; events: PreparedEvent[] }>;
  options: AppendOptions;
}

export interface MysqlEventStoreOptions {
  limits?: Partial<BatchLimits>;
  /** Observes each flushed batch's size (for the append-batch histogram). */
  onBatch?: (size: number) => void;
  /** Runs inside the append transaction just before commit; fault-injection tests delay or throw here. */
  beforeCommit?: (lastPosition: number) => Promise<void>;
}

type Row = Omit<EventsTable, "recorded_at" | "hash">;

// A batch's INSERT is written by hand: kysely building a 500-row statement (node tree, freezing,
// compiling) cost more CPU than the rest of the append. Values stay bound parameters.
const INSERT_HEAD = "INSERT INTO events (position, event_id, stream_id, version, type, data, metadata, tag, occurred_at, hash) VALUES ";
const ROW_PLACEHOLDERS = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
const MOVE_SEQUENCE = "UPDATE event_sequence SET last_position = ?, last_hash = ? WHERE id = 1";
const insertSql = (rows: number) => INSERT_HEAD + Array.from({ length: rows }, () => ROW_PLACEHOLDERS).join(", ");

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

function versionMatches(expected: ExpectedVersion, current: number): boolean {
  if (expected === "any") return true;
  if (expected === "no_stream") return current === 0;
  return expected === current;
}

function prepare(e: NewEvent): PreparedEvent {
  return {
    event_id: e.eventId ?? uuidv7(),
    type: e.type,
    data: JSON.stringify(e.data),
    metadata: JSON.stringify(e.metadata),
    tag: e.tag ?? null,
    occurred_at: new Date(e.metadata.occurredAt),
  };
}

/**
 * MySQL/MariaDB adapter. Every append transaction first locks the one `event_sequence` row and
 * takes positions from it, so transactions assign and commit positions in the same order and a
 * rollback returns its numbers: readers can never see N+1 before N.
 */
export class MysqlEventStore implements EventStore {
  private readonly committer: GroupCommit<AppendRequest, AppendResult[]>;

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

  async append(streamId: string, expected: ExpectedVersion, events: NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    const [result] = await this.appendMulti([{ streamId, expected, events }], options);
    return result!;
  }

  appendMulti(parts: StreamAppend[], options: AppendOptions = {}): Promise<AppendResult[]> {
    if (parts.length === 0 || parts.some((p) => p.events.length === 0)) throw new Error("append needs at least one event per stream");
    let bytes = 0;
    const prepared = parts.map((p) => {
      const events = p.events.map(prepare);
      for (const e of events) bytes += e.data.length + e.metadata.length + 128;
      return { streamId: p.streamId, expected: p.expected, events };
    });
    return this.committer.submit({ parts: prepared, options }, bytes);
  }

  /**
   * One transaction per batch, in two round trips: (1) begin, lock the sequence row, then read the
   * streams' versions and the fences (plain reads after the lock, so they see every append that
   * committed before it); (2) insert, move the sequence, commit. Fewer trips keep the lock short.
   */
  private async flush(batch: AppendRequest[]): Promise<Array<AppendResult[] | Error>> {
    return this.db.connection().execute(async (conn) => {
      const streamIds = [...new Set(batch.flatMap((b) => b.parts.map((p) => p.streamId)))];
      const fenceKeys = [...new Set(batch.flatMap((b) => (b.options.fence ? [b.options.fence.key] : [])))];
      const reads = sql<never>`START TRANSACTION;
        SELECT last_position, last_hash FROM event_sequence WHERE id = 1 FOR UPDATE;
        ${sql.join(streamIds.map((id) => sql`SELECT ${id} AS stream_id, (SELECT MAX(version) FROM events WHERE stream_id = ${id}) AS v`), sql` UNION ALL `)};
        SELECT fence_key, token FROM guard_fences WHERE fence_key IN (${fenceKeys.length > 0 ? sql.join(fenceKeys) : sql`NULL`})`;
      try {
        const [, seqRows, versionRows, fenceRows] = (await reads.execute(conn)).rows as unknown as [
          unknown,
          Array<{ last_position: number; last_hash: string }>,
          Array<{ stream_id: string; v: number | null }>,
          Array<{ fence_key: string; token: string }>,
        ];
        const seq = seqRows[0]!;
        const versions = new Map(versionRows.map((r) => [r.stream_id, Number(r.v ?? 0)]));
        const fences = new Map(fenceRows.map((r) => [r.fence_key, r.token]));
        const { outcomes, rows, position } = this.decideBatch(batch, Number(seq.last_position), versions, fences);
        if (rows.length === 0) {
          await sql`COMMIT`.execute(conn);
          return outcomes;
        }
        let hash = seq.last_hash;
        const params: unknown[] = [];
        for (const r of rows) {
          hash = chainHash(hash, r);
          params.push(r.position, r.event_id, r.stream_id, r.version, r.type, r.data, r.metadata, r.tag, r.occurred_at, hash);
        }
        params.push(position, hash);
        const hook = this.options.beforeCommit;
        const write = CompiledQuery.raw(`${insertSql(rows.length)}; ${MOVE_SEQUENCE}${hook ? "" : "; COMMIT"}`, params);
        await conn.executeQuery(write);
        if (hook) {
          await hook(position);
          await sql`COMMIT`.execute(conn);
        }
        // Callers of a multi-stream append care about the last position of the whole append.
        return outcomes.map((o) => (o instanceof Error ? o : o.map((r) => ({ ...r, lastPosition: o[o.length - 1]!.lastPosition }))));
      } catch (err) {
        await sql`ROLLBACK`.execute(conn).catch(() => undefined);
        throw err;
      }
    });
  }

  /** Checks every request against the current versions and fences and assigns positions: pure. */
  private decideBatch(batch: AppendRequest[], lastPosition: number, versions: Map<string, number>, fences: Map<string, string>) {
    let position = lastPosition;
    const rows: Row[] = [];
    const now = Date.now();
    const outcomes = batch.map((req): AppendResult[] | Error => {
      if (req.options.notAfter !== undefined && now > req.options.notAfter) return new StaleAppendError(req.parts[0]!.streamId);
      const fence = req.options.fence;
      if (fence && fences.get(fence.key) !== fence.token) return new FenceError(fence.key);
      // Check every part before assigning anything, so a conflict leaves the batch untouched.
      const pending = new Map<string, number>();
      for (const part of req.parts) {
        const current = pending.get(part.streamId) ?? versions.get(part.streamId) ?? 0;
        if (!versionMatches(part.expected, current)) return new ConcurrencyError(part.streamId, String(part.expected), current);
        pending.set(part.streamId, current + part.events.length);
      }
      return req.parts.map((part) => {
        const current = versions.get(part.streamId) ?? 0;
        const positions = part.events.map((e, i) => {
          position += 1;
          rows.push({ ...e, position, stream_id: part.streamId, version: current + i + 1 });
          return position;
        });
        versions.set(part.streamId, current + part.events.length);
        return { streamId: part.streamId, version: current + part.events.length, positions, lastPosition: position };
      });
    });
    return { outcomes, rows, position };
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
