// The rankings tables join the kysely Database through this module.
import type {} from "./tables.js";
import { sql } from "kysely";
import type { Database } from "@surge/platform/db/schema";
import type { Period } from "./calendar.js";

export const rankBys = ["QUANTITY", "REVENUE"] as const;
export type RankBy = (typeof rankBys)[number];

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
