// The rankings tables join the kysely Database through this module.
import type {} from "./tables.js";
import type { Kysely } from "kysely";
import type { Database } from "@surge/platform/db/schema";
import type { Period } from "./calendar.js";
import { asMetricTable, calendarDate, metricTables, type RankBy } from "./metric-tables.js";

export interface RankedProduct {
  rank: number;
  productId: string;
  name: string;
  quantity: number;
  revenue: number;
  orders: number;
}

/** Most ranking lists ever asked for (the contract's limit, the nightly snapshot). */
export const MAX_RANKING = 100;

/** The top products of one period as a query (kept separate so the bench can EXPLAIN exactly it). */
export function topProductsQuery(db: Kysely<Database>, period: Period, start: string, by: RankBy, limit: number) {
  return db
    .selectFrom(asMetricTable(metricTables[period]))
    .select(["product_id", "product_name", "orders", "quantity", "revenue"])
    .where("period_start", "=", calendarDate(start))
    .where("quantity", ">", 0)
    .orderBy(by === "QUANTITY" ? "quantity" : "revenue", "desc")
    .orderBy("product_id", "asc")
    .limit(limit);
}

/**
 * The top products of one period. The indexes (period_start, quantity DESC, product_id) and
 * (period_start, revenue DESC, product_id) hand the rows over in this exact order, so the query
 * reads about `limit` rows of the period and sorts nothing. Products whose sales were all
 * cancelled keep a zero row and are left out.
 */
export async function topProducts(db: Kysely<Database>, period: Period, start: string, by: RankBy, limit: number): Promise<RankedProduct[]> {
  const rows = await topProductsQuery(db, period, start, by, limit).execute();
  return rows.map((r, i) => ({
    rank: i + 1,
    productId: r.product_id,
    name: r.product_name,
    quantity: Number(r.quantity),
    revenue: Number(r.revenue),
    orders: Number(r.orders),
  }));
}
