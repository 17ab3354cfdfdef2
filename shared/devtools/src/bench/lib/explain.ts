import { CompiledQuery } from "kysely";
import { periods, type Period } from "@surge/areas/rankings/calendar";
import { rankBys, type RankBy } from "@surge/areas/rankings/metric-tables";
import { topProductsQuery } from "@surge/areas/rankings/top";
import { type Db } from "@surge/platform/db/database";

type Row = Record<string, unknown>;
const COLUMNS = ["table", "type", "key", "key_len", "ref", "rows", "r_rows", "Extra"] as const;

/** The ranking query of each period and ordering, as EXPLAIN (and ANALYZE on MariaDB: rows actually read) sees it. */
export async function explainRankings(db: Db, dates: Record<Period, string>, limit: number, mariadb: boolean): Promise<string[]> {
  const lines = [`| query | ${COLUMNS.join(" | ")} |`, `|---|${COLUMNS.map(() => "---").join("|")}|`];
  for (const period of periods) {
    for (const by of rankBys) {
      const q = topProductsQuery(db, period, dates[period], by, limit).compile();
      // ANALYZE runs the statement and adds r_rows (rows read); plain EXPLAIN elsewhere.
      const stmt = mariadb ? `ANALYZE ${q.sql}` : `EXPLAIN ${q.sql}`;
      const { rows } = await db.executeQuery<Row>(CompiledQuery.raw(stmt, [...q.parameters]));
      for (const r of rows) lines.push(`| ${period} ${by} limit ${limit} | ${COLUMNS.map((c) => String(r[c] ?? "")).join(" | ")} |`);
    }
  }
  return lines;
}

/** The SQL the query-api sends (parameters inlined for reading). */
export function rankingSql(db: Db, period: Period, start: string, by: RankBy, limit: number): string {
  const q = topProductsQuery(db, period, start, by, limit).compile();
  let i = 0;
  return q.sql.replace(/\?/g, () => JSON.stringify(q.parameters[i++]).replace(/^"|"$/g, "'"));
}
