// The rankings tables join the kysely Database through this module.
import type {} from "./tables.js";
import { sql } from "kysely";
import type { Database } from "@surge/platform/db/schema";
import type { Period } from "./calendar.js";

/** The orders the nightly snapshots keep. */
export const rankBys = ["QUANTITY", "REVENUE"] as const;
export type RankBy = (typeof rankBys)[number];
/** Every order GET /rankings/products takes: SCORE weighs views, likes and units sold. */
export const rankOrders = [...rankBys, "SCORE"] as const;
export type RankOrder = (typeof rankOrders)[number];

/**
 * RANKING_WEIGHT_VIEW, _LIKE and _ORDER as decimal text (up to 4 places): SQL multiplies them as
 * DECIMAL, so equal weighted sums are equal exactly and ties fall to product ids, never to float noise.
 */
export interface ScoreWeights {
  view: string;
  like: string;
  order: string;
}
export const DEFAULT_WEIGHTS: ScoreWeights = { view: "0.1", like: "0.2", order: "0.6" };
export const WEIGHT_PATTERN = /^\d{1,6}(\.\d{1,4})?$/;

/** One table per period, all of the same shape (ProductMetricsTable), keyed by (period_start, product_id). */
export const metricTables = {
  DAILY: "product_metrics_daily",
  WEEKLY: "product_metrics_weekly",
  MONTHLY: "product_metrics_monthly",
} as const satisfies Record<Period, keyof Database>;
export type MetricTable = (typeof metricTables)[Period];

/**
 * Kysely cannot type a query over a union of table names; the three tables share one interface,
 * so queries are written against the daily one and run on whichever `table` names.
 */
export const asMetricTable = (table: MetricTable) => table as "product_metrics_daily";

/** A DATE column as the driver returns it (UTC midnight, the pool runs in UTC) back to `YYYY-MM-DD`. */
export const dateKey = (d: Date): string => d.toISOString().slice(0, 10);

/** A `YYYY-MM-DD` as an operand of a DATE column in where(): kysely types those by the Date they read as. */
export const calendarDate = (date: string) => sql<Date>`${date}`;
