// The rankings tables join the kysely Database through this module.
import type {} from "./tables.js";
import { sql, type Kysely } from "kysely";
import type { Database } from "@surge/platform/db/schema";
import type { Period } from "./calendar.js";
import { asMetricTable, calendarDate, DEFAULT_WEIGHTS, metricTables, type RankOrder, type ScoreWeights } from "./metric-tables.js";

export interface RankedProduct {
  rank: number;
  productId: string;
  name: string;
  quantity: number;
  revenue: number;
  orders: number;
  views: number;
  likes: number;
  score: number;
}

/** Most ranking lists ever asked for (the contract's limit, the nightly snapshot). */
export const MAX_RANKING = 100;

const weight = (w: string) => sql<string>`CAST(${w} AS DECIMAL(10,4))`;
/** views × view weight + likes × like weight + units × order weight, in DECIMAL (exact). */
const scoreOf = (w: ScoreWeights) => sql<string>`(${weight(w.view)} * views + ${weight(w.like)} * likes + ${weight(w.order)} * quantity)`;

/** The top products of one period as a query (kept separate so the bench can EXPLAIN exactly it). */
export function topProductsQuery(db: Kysely<Database>, period: Period, start: string, by: RankOrder, limit: number, weights: ScoreWeights = DEFAULT_WEIGHTS) {
  const score = scoreOf(weights);
  const q = db
    .selectFrom(asMetricTable(metricTables[period]))
    .select(["product_id", "product_name", "orders", "quantity", "revenue", "views", "likes", score.as("score")])
    .where("period_start", "=", calendarDate(start));
  // A product with views or likes but no sales has a row; it ranks by SCORE only.
  const ranked =
    by === "SCORE" ? q.where(score, ">", "0").orderBy(score, "desc") : q.where("quantity", ">", 0).orderBy(by === "QUANTITY" ? "quantity" : "revenue", "desc");
  return ranked.orderBy("product_id", "asc").limit(limit);
}

/**
 * The top products of one period. The indexes (period_start, quantity DESC, product_id) and
 * (period_start, revenue DESC, product_id) hand the rows over in this exact order, so the query
 * reads about `limit` rows of the period and sorts nothing. Products whose sales were all
 * cancelled keep a zero row and are left out. SCORE depends on weights set at run time, so no
 * index has its order: it sorts the period's rows (one per product active in it), which the
 * ranking cache then keeps per checkpoint.
 */
export async function topProducts(
  db: Kysely<Database>,
  period: Period,
  start: string,
  by: RankOrder,
  limit: number,
  weights: ScoreWeights = DEFAULT_WEIGHTS,
): Promise<RankedProduct[]> {
  const rows = await topProductsQuery(db, period, start, by, limit, weights).execute();
  return rows.map((r, i) => ({
    rank: i + 1,
    productId: r.product_id,
    name: r.product_name,
    quantity: Number(r.quantity),
    revenue: Number(r.revenue),
    orders: Number(r.orders),
    views: Number(r.views),
    likes: Number(r.likes),
    score: Number(r.score),
  }));
}
