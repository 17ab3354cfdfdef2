import { sql } from "kysely";
import { PROJECTOR_CHECKPOINT } from "@surge/platform/db/checkpoints";
import { type Db } from "@surge/platform/db/database";

/**
 * Tables that are not projections of the log: the event store itself, guard fences, the
 * migrator's bookkeeping, the batch-owned ranking snapshots (taken from the metrics on a clock,
 * not from events), leases and dead letters. Every other table is a read model: a new table the
 * projector does not build must be added here, or replay reports it as different.
 */
export const NOT_READ_MODELS: ReadonlySet<string> = new Set([
  "events",
  "event_sequence",
  "guard_fences",
  "kysely_migration",
  "kysely_migration_lock",
  "ranking_snapshots",
  // Issue 5: single-owner leases and the Kafka projector's dead letters (operational state, not projections).
  "leases",
  "projection_failures",
]);

export const CHECKPOINTS = "projection_checkpoints";

/** Columns stamped with the wall clock when the projector ran, not derived from the events. */
const VOLATILE: Readonly<Record<string, readonly string[]>> = { event_handled: ["handled_at"], [CHECKPOINTS]: ["updated_at"] };

/** projection_checkpoints also holds the batch followers' rows: only the projector's row is a projection. */
const ROW_FILTER: Readonly<Record<string, string>> = { [CHECKPOINTS]: `name = '${PROJECTOR_CHECKPOINT}'` };

export interface TableShape {
  name: string;
  /** Primary-key columns, in key order. */
  key: string[];
  /** Every compared column, in table order (volatile ones left out). */
  columns: string[];
  /** SQL restricting the compared rows ("" for all). */
  where: string;
}

/** A backtick-quoted identifier. */
export const q = (id: string) => `\`${id.replace(/`/g, "``")}\``;

/** The read-model tables of `schema`, from information_schema (so new tables are covered without code changes). */
export async function readModelTables(db: Db, schema: string): Promise<Map<string, TableShape>> {
  const { rows } = await sql<{ t: string; c: string; k: number | null }>`
    SELECT c.TABLE_NAME AS t, c.COLUMN_NAME AS c, k.ORDINAL_POSITION AS k
    FROM information_schema.COLUMNS c
    JOIN information_schema.TABLES tb ON tb.TABLE_SCHEMA = c.TABLE_SCHEMA AND tb.TABLE_NAME = c.TABLE_NAME AND tb.TABLE_TYPE = 'BASE TABLE'
    LEFT JOIN information_schema.KEY_COLUMN_USAGE k
      ON k.TABLE_SCHEMA = c.TABLE_SCHEMA AND k.TABLE_NAME = c.TABLE_NAME AND k.COLUMN_NAME = c.COLUMN_NAME AND k.CONSTRAINT_NAME = 'PRIMARY'
    WHERE c.TABLE_SCHEMA = ${schema}
    ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION`.execute(db);
  const tables = new Map<string, TableShape & { keyAt: Map<string, number> }>();
  for (const r of rows) {
    if (NOT_READ_MODELS.has(r.t)) continue;
    let t = tables.get(r.t);
    if (!t) tables.set(r.t, (t = { name: r.t, key: [], columns: [], where: ROW_FILTER[r.t] ?? "", keyAt: new Map() }));
    if (r.k !== null) t.keyAt.set(r.c, Number(r.k));
    if (!VOLATILE[r.t]?.includes(r.c)) t.columns.push(r.c);
  }
  const shapes = new Map<string, TableShape>();
  for (const { keyAt, ...t } of tables.values()) {
    // Rows are matched by primary key; every table the projector writes has one.
    if (keyAt.size === 0) throw new Error(`${schema}.${t.name} has no primary key: list it in NOT_READ_MODELS or give it one`);
    shapes.set(t.name, { ...t, key: [...keyAt].sort((a, b) => a[1] - b[1]).map(([c]) => c) });
  }
  return shapes;
}
