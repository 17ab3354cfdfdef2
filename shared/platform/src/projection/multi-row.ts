import { CompiledQuery } from "kysely";
import type { Trx } from "./handler.js";

/** A value written as an SQL expression over bound parameters (e.g. JSON_SET(?, '$.status', ?)). */
export interface SqlValue {
  readonly sql: string;
  readonly params: readonly unknown[];
}

export const sqlValue = (text: string, ...params: unknown[]): SqlValue => ({ sql: text, params });

const isSqlValue = (v: unknown): v is SqlValue => typeof v === "object" && v !== null && !(v instanceof Date) && "sql" in v && "params" in v;

/**
 * One multi-row INSERT, compiled by hand: kysely's builder costs more CPU for a batch's hundreds
 * of rows than the database takes to write them. Bound parameters only, as kysely would send them
 * (the driver formats them identically); table and column names are the callers' constants.
 */
export async function insertRows(trx: Trx, table: string, columns: readonly string[], rows: ReadonlyArray<ReadonlyArray<unknown>>, tail = ""): Promise<void> {
  if (rows.length === 0) return;
  const params: unknown[] = [];
  const tuples = rows.map((row) => {
    const cells = row.map((v) => {
      if (isSqlValue(v)) {
        params.push(...v.params);
        return v.sql;
      }
      params.push(v);
      return "?";
    });
    return `(${cells.join(", ")})`;
  });
  const text = `INSERT INTO \`${table}\` (${columns.map((c) => `\`${c}\``).join(", ")}) VALUES ${tuples.join(", ")}${tail ? ` ${tail}` : ""}`;
  await trx.executeQuery(CompiledQuery.raw(text, params));
}
