import { CompiledQuery, sql } from "kysely";
import { newId } from "../ids.js";
import type { Db } from "../db/database.js";
import type { EventsTable } from "../db/schema.js";
import { ConcurrencyError, FenceError, StaleAppendError } from "../errors.js";
import { CHAIN_FORMAT, chainHash } from "./chain.js";
import type { AppendOptions, AppendResult, ExpectedVersion, NewEvent } from "./types.js";

export type Row = Omit<EventsTable, "hash">;

/** An event serialized when it is submitted, outside the sequence lock that its batch will hold. */
export type PreparedEvent = Pick<Row, "event_id" | "type" | "data" | "metadata" | "tag" | "occurred_at">;

export interface AppendRequest {
  parts: Array<{ streamId: string; expected: ExpectedVersion; events: PreparedEvent[] }>;
  options: AppendOptions;
}

export type Outcome = AppendResult[] | Error;

export function prepare(e: NewEvent): PreparedEvent {
  return {
    event_id: e.eventId ?? newId(),
    type: e.eventType.type,
    data: JSON.stringify(e.data),
    metadata: JSON.stringify(e.metadata),
    tag: e.tag ?? null,
    occurred_at: new Date(e.metadata.occurredAt),
  };
}

// A batch's INSERT is written by hand: kysely building a 500-row statement (node tree, freezing,
// compiling) cost more CPU than the rest of the append. Values stay bound parameters.
const INSERT_HEAD =
  "INSERT INTO events (position, event_id, stream_id, version, type, data, metadata, tag, occurred_at, recorded_at, chain_format, hash) VALUES ";
const ROW_PLACEHOLDERS = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
const MOVE_SEQUENCE = "UPDATE event_sequence SET last_position = ?, last_hash = ? WHERE id = 1";
const insertSql = (rows: number) => INSERT_HEAD + Array.from({ length: rows }, () => ROW_PLACEHOLDERS).join(", ");

function versionMatches(expected: ExpectedVersion, current: number): boolean {
  if (expected === "any") return true;
  if (expected === "no_stream") return current === 0;
  return expected === current;
}

/**
 * One transaction per batch, in two round trips: (1) begin, lock the sequence row (and read the
 * database's clock, the batch's recorded_at), then read the streams' versions and the fences
 * (plain reads after the lock, so they see every append that committed before it); (2) insert,
 * move the sequence, commit. Fewer trips keep the lock short. The hash chain is computed in
 * between, in memory, over every column the insert writes. Each request gets its own outcome: a
 * conflict fails that append alone.
 */
export async function flushBatch(db: Db, batch: AppendRequest[], beforeCommit?: (lastPosition: number) => Promise<void>): Promise<Outcome[]> {
  return db.connection().execute(async (conn) => {
    const streamIds = [...new Set(batch.flatMap((b) => b.parts.map((p) => p.streamId)))];
    const fenceKeys = [...new Set(batch.flatMap((b) => (b.options.fence ? [b.options.fence.key] : [])))];
    const reads = sql<never>`START TRANSACTION;
      SELECT last_position, last_hash, CURRENT_TIMESTAMP(3) AS now FROM event_sequence WHERE id = 1 FOR UPDATE;
      ${sql.join(
        streamIds.map((id) => sql`SELECT ${id} AS stream_id, (SELECT MAX(version) FROM events WHERE stream_id = ${id}) AS v`),
        sql` UNION ALL `,
      )};
      SELECT fence_key, token FROM guard_fences WHERE fence_key IN (${fenceKeys.length > 0 ? sql.join(fenceKeys) : sql`NULL`})`;
    try {
      const [, seqRows, versionRows, fenceRows] = (await reads.execute(conn)).rows as unknown as [
        unknown,
        Array<{ last_position: number; last_hash: string; now: Date }>,
        Array<{ stream_id: string; v: number | null }>,
        Array<{ fence_key: string; token: string }>,
      ];
      const seq = seqRows[0]!;
      const versions = new Map(versionRows.map((r) => [r.stream_id, Number(r.v ?? 0)]));
      const fences = new Map(fenceRows.map((r) => [r.fence_key, r.token]));
      const { outcomes, rows, position } = decideBatch(batch, Number(seq.last_position), versions, fences, seq.now);
      if (rows.length === 0) {
        await sql`COMMIT`.execute(conn);
        return outcomes;
      }
      let hash = seq.last_hash;
      const params: unknown[] = [];
      for (const r of rows) {
        hash = chainHash(hash, r);
        params.push(r.position, r.event_id, r.stream_id, r.version, r.type, r.data, r.metadata, r.tag, r.occurred_at, r.recorded_at, r.chain_format, hash);
      }
      params.push(position, hash);
      const write = CompiledQuery.raw(`${insertSql(rows.length)}; ${MOVE_SEQUENCE}${beforeCommit ? "" : "; COMMIT"}`, params);
      await conn.executeQuery(write);
      if (beforeCommit) {
        await beforeCommit(position);
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
function decideBatch(batch: AppendRequest[], lastPosition: number, versions: Map<string, number>, fences: Map<string, string>, recordedAt: Date) {
  let position = lastPosition;
  const rows: Row[] = [];
  const now = Date.now();
  const outcomes = batch.map((req): Outcome => {
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
        rows.push({ ...e, position, stream_id: part.streamId, version: current + i + 1, recorded_at: recordedAt, chain_format: CHAIN_FORMAT });
        return position;
      });
      versions.set(part.streamId, current + part.events.length);
      return { streamId: part.streamId, version: current + part.events.length, positions, lastPosition: position };
    });
  });
  return { outcomes, rows, position };
}
