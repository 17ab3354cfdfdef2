import { sql } from "kysely";
import type { Db } from "@surge/platform/db/database";
import { q, readModelTables, type TableShape } from "./tables.js";

/** From the log's point of view: the shadow is what the events say, live is what the projector made. */
export type RowDiff =
  | { kind: "missing"; key: string } // in the shadow, not in live
  | { kind: "extra"; key: string } // in live, not in the shadow
  | { kind: "changed"; key: string; columns: Array<{ column: string; live: string | null; shadow: string | null }> };

export interface TableReport {
  table: string;
  liveRows: number;
  shadowRows: number;
  /** Set when the tables cannot be compared row by row (one side lacks the table, the columns differ). */
  problem: string | null;
  missing: number;
  extra: number;
  changed: number;
  /** The first `show` differences. */
  listed: RowDiff[];
}

export const differences = (r: TableReport) => (r.problem ? 1 : 0) + r.missing + r.extra + r.changed;

/** Rows per checksum bucket: only the rows of buckets whose count or checksum differ are fetched. */
const ROWS_PER_BUCKET = 256;
/** Rows fetched per side and query while resolving differing buckets (bounds memory). */
const ROWS_PER_FETCH = 20_000;

export interface Side {
  db: Db;
  schema: string;
}

/**
 * Compares every read-model table of live and shadow. Each row's checksum is computed in SQL:
 * MD5 over QUOTE() of every column; QUOTE renders NULL as the bare word NULL and escapes quotes,
 * so no two different rows (NULLs included) give the same text. Rows are grouped into buckets by a
 * CRC of the primary key; equal buckets (count and XOR of row checksums) are skipped, so a clean
 * comparison moves only one line per bucket into Node.
 */
export async function compareTables(live: Side, shadow: Side, show: number): Promise<TableReport[]> {
  const [liveTables, shadowTables] = await Promise.all([readModelTables(live.db, live.schema), readModelTables(shadow.db, shadow.schema)]);
  const names = [...new Set([...liveTables.keys(), ...shadowTables.keys()])].sort();
  const reports: TableReport[] = [];
  for (const name of names) {
    const l = liveTables.get(name);
    const s = shadowTables.get(name);
    const problem = !l ? "missing in live" : !s ? "missing in the shadow" : sameShape(l, s) ? null : "columns or primary key differ (migrations out of step?)";
    const report: TableReport = { table: name, liveRows: 0, shadowRows: 0, problem, missing: 0, extra: 0, changed: 0, listed: [] };
    if (l) report.liveRows = await count(live.db, l);
    if (s) report.shadowRows = await count(shadow.db, s);
    if (!problem && s) await compareRows(live.db, shadow.db, s, Math.max(report.liveRows, report.shadowRows), show, report);
    reports.push(report);
  }
  return reports;
}

const sameShape = (a: TableShape, b: TableShape) => a.key.join() === b.key.join() && a.columns.join() === b.columns.join();
const where = (t: TableShape, ...conds: string[]) => {
  const all = [t.where, ...conds].filter(Boolean);
  return all.length ? `WHERE ${all.join(" AND ")}` : "";
};
const quoted = (cols: string[]) => `CONCAT_WS(',', ${cols.map((c) => `QUOTE(${q(c)})`).join(", ")})`;
const rowHash = (t: TableShape) => `MD5(${quoted(t.columns)})`;
const bucketOf = (t: TableShape, buckets: number) => `CRC32(${quoted(t.key)}) % ${buckets}`;

async function count(db: Db, t: TableShape): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM ${sql.raw(q(t.name))} ${sql.raw(where(t))}`.execute(db);
  return Number(rows[0]?.n ?? 0);
}

/** bucket → "count:xor" of one side. */
async function bucketSums(db: Db, t: TableShape, buckets: number): Promise<Map<number, { n: number; sum: string }>> {
  const { rows } = await sql<{ b: number; n: number; x: string | number }>`
    SELECT ${sql.raw(bucketOf(t, buckets))} AS b, COUNT(*) AS n, BIT_XOR(CAST(CONV(LEFT(${sql.raw(rowHash(t))}, 12), 16, 10) AS UNSIGNED)) AS x
    FROM ${sql.raw(q(t.name))} ${sql.raw(where(t))} GROUP BY b`.execute(db);
  return new Map(rows.map((r) => [Number(r.b), { n: Number(r.n), sum: `${r.n}:${r.x}` }]));
}

/** primary key (as JSON of its columns' text) → row checksum, for the rows in `bucketList`. */
async function rowSums(db: Db, t: TableShape, buckets: number, bucketList: number[]): Promise<Map<string, string>> {
  const keys = t.key.map((c, i) => `CAST(${q(c)} AS CHAR) AS k${i}`).join(", ");
  const { rows } = await sql<Record<string, string>>`
    SELECT ${sql.raw(keys)}, ${sql.raw(rowHash(t))} AS h
    FROM ${sql.raw(q(t.name))} ${sql.raw(where(t, `${bucketOf(t, buckets)} IN (${bucketList.join(",")})`))}`.execute(db);
  return new Map(rows.map((r) => [JSON.stringify(t.key.map((_, i) => r[`k${i}`])), r.h!]));
}

async function compareRows(live: Db, shadow: Db, t: TableShape, rows: number, show: number, report: TableReport): Promise<void> {
  const buckets = Math.max(1, Math.ceil(rows / ROWS_PER_BUCKET));
  const [l, s] = await Promise.all([bucketSums(live, t, buckets), bucketSums(shadow, t, buckets)]);
  const differing = [...new Set([...l.keys(), ...s.keys()])].filter((b) => l.get(b)?.sum !== s.get(b)?.sum).sort((a, b) => a - b);

  // Resolve the differing buckets a group at a time, so even an empty live side stays within memory.
  for (let i = 0; i < differing.length;) {
    const group: number[] = [];
    for (let size = 0; i < differing.length && (group.length === 0 || size < ROWS_PER_FETCH); i++) {
      const b = differing[i]!;
      group.push(b);
      size += Math.max(l.get(b)?.n ?? 0, s.get(b)?.n ?? 0);
    }
    const [liveRows, shadowRows] = await Promise.all([rowSums(live, t, buckets, group), rowSums(shadow, t, buckets, group)]);
    for (const key of [...new Set([...liveRows.keys(), ...shadowRows.keys()])].sort()) {
      const lh = liveRows.get(key);
      const sh = shadowRows.get(key);
      if (lh === sh) continue;
      const kind = lh === undefined ? "missing" : sh === undefined ? "extra" : "changed";
      report[kind]++;
      if (report.listed.length >= show) continue;
      const values = JSON.parse(key) as string[];
      const label = t.key.map((c, j) => `${c}=${values[j]}`).join(", ");
      report.listed.push(kind === "changed" ? { kind, key: label, columns: await changedColumns(live, shadow, t, values) } : { kind, key: label });
    }
  }
}

/** The columns that differ between the live and the shadow row with this key, with both values. */
async function changedColumns(live: Db, shadow: Db, t: TableShape, key: string[]) {
  const one = async (db: Db) => {
    const cols = t.columns.map((c) => `CAST(${q(c)} AS CHAR) AS ${q(c)}`).join(", ");
    const cond = sql.join(
      t.key.map((c, i) => sql`${sql.raw(q(c))} = ${key[i]}`),
      sql` AND `,
    );
    const { rows } = await sql<Record<string, string | null>>`SELECT ${sql.raw(cols)} FROM ${sql.raw(q(t.name))} WHERE ${cond}`.execute(db);
    return rows[0] ?? {};
  };
  const [l, s] = await Promise.all([one(live), one(shadow)]);
  return t.columns.filter((c) => l[c] !== s[c]).map((c) => ({ column: c, live: l[c] ?? null, shadow: s[c] ?? null }));
}
