import { CompiledQuery, sql } from "kysely";
import { newId } from "../ids.js";
import type { Db } from "../db/database.js";
import type { EventsTable } from "../db/schema.js";
import { ConcurrencyError, FenceError, StaleAppendError } from "../errors.js";
import { CHAIN_FORMAT, chainHash } from "./chain.js";
import type { AppendOptions, AppendResult, ExpectedVersion, NewEvent } from "./types.js";

export type Row = Omit<EventsTable, "hash">;

/** An event serialized when it is submitted, outside the sequence lock that its batch will hold. */
export type PreparedEvent = Pick<Row, "event_id" | "type" | "data" | "metadata" | "tag" | "occurred_at"> & {
  /** Those columns as the SQL literals of its INSERT row, encoded once, by the request's own turn. */
  literals: string;
};

export interface AppendRequest {
  parts: Array<{ streamId: string; expected: ExpectedVersion; events: PreparedEvent[] }>;
  options: AppendOptions;
}

export type Outcome = AppendResult[] | Error;

export function prepare(e: NewEvent): PreparedEvent {
  const event_id = e.eventId ?? newId();
  const type = e.eventType.type;
  const data = JSON.stringify(e.data);
  const metadata = JSON.stringify(e.metadata);
  const tag = e.tag ?? null;
  const occurred_at = new Date(e.metadata.occurredAt);
  const literals = `${sqlString(event_id)}, ${sqlString(type)}, ${sqlString(data)}, ${sqlString(metadata)}, ${tag === null ? "NULL" : sqlString(tag)}, ${sqlDate(occurred_at)}`;
  return { event_id, type, data, metadata, tag, occurred_at, literals };
}

// The characters that end or bend a single-quoted literal under the server's default backslash
// escapes (mysql2's own escaping assumes the same sql_mode, without NO_BACKSLASH_ESCAPES). A double
// quote needs nothing inside single quotes, so JSON, full of them, is almost always copied as is.
// eslint-disable-next-line no-control-regex -- NUL and SUB (\x1a) are among the characters escaped, on purpose
const SPECIAL = /[\0\n\r\x1a\\']/;
// eslint-disable-next-line no-control-regex -- as above
const SPECIALS = /[\0\n\r\x1a\\']/g;
const ESCAPED: Record<string, string> = { "\0": "\\0", "\n": "\\n", "\r": "\\r", "\x1a": "\\Z", "\\": "\\\\", "'": "\\'" };

/** A string as a MariaDB/MySQL literal. */
export const sqlString = (s: string): string => (SPECIAL.test(s) ? `'${s.replace(SPECIALS, (c) => ESCAPED[c]!)}'` : `'${s}'`);

/** A DATETIME(3) literal in UTC, as the pool's `timezone: "Z"` writes and reads them. */
export const sqlDate = (d: Date): string => `'${d.toISOString().slice(0, 23).replace("T", " ")}'`;

// A batch's INSERT is written by hand, pre-encoded: each event's literals were built when it was
// submitted, so the flush, under the sequence lock, only adds position, version, recorded_at and
// hash. Bound parameters cost sql-escaper's format and escape per value inside the lock (the
// largest client-side share of an append), and kysely building a 500-row statement cost more still.
const INSERT_HEAD =
  "INSERT INTO events (event_id, type, data, metadata, tag, occurred_at, stream_id, position, version, recorded_at, chain_format, hash) VALUES ";
const moveSequence = (position: number, hash: string) => `UPDATE event_sequence SET last_position = ${position}, last_hash = ${sqlString(hash)} WHERE id = 1`;

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
      const recordedAt = sqlDate(seq.now);
      let values = "";
      for (const r of rows) {
        hash = chainHash(hash, r);
        values += `${values === "" ? "" : ", "}(${r.literals}, ${sqlString(r.stream_id)}, ${r.position}, ${r.version}, ${recordedAt}, ${r.chain_format}, '${hash}')`;
      }
      const write = CompiledQuery.raw(`${INSERT_HEAD}${values}; ${moveSequence(position, hash)}${beforeCommit ? "" : "; COMMIT"}`, []);
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
  const rows: Array<Row & Pick<PreparedEvent, "literals">> = [];
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
