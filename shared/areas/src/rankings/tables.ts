import type { ColumnType, Generated } from "kysely";

/** A DATE column: written as `YYYY-MM-DD`, read back as a Date at UTC midnight (the pool runs in UTC). */
type CalendarDate = ColumnType<Date, string, string>;

/**
 * One row per paid order (projector-owned): when it was paid and what it added to the metrics, so
 * a later cancel or refund subtracts exactly that from the period it was paid in.
 */
export interface PaidSalesTable {
  order_id: string;
  paid_at: Date;
  /** paidAt's date in BUSINESS_TZ: the day, ISO week and month the sale counts in. */
  business_date: CalendarDate;
  /** JSON text: the ProductSale[] this payment added. */
  sales: string;
  paid_position: number;
  /** Set by the first cancel or refund of the paid order; the sale is out of the metrics then. */
  reversed_at: Date | null;
  reversed_position: number | null;
}

/**
 * product_metrics_daily / _weekly / _monthly: net sales of paid orders per product and period,
 * and the views and likes that happened in it (a like withdrawn later counts -1 in that later period).
 */
export interface ProductMetricsTable {
  /** The day, the ISO week's Monday or the month's 1st. */
  period_start: CalendarDate;
  product_id: string;
  product_name: string;
  orders: number;
  quantity: number;
  revenue: number;
  views: Generated<number>;
  likes: Generated<number>;
  updated_position: number;
}

/** The nightly top-100 lists, kept as they were when taken (batch-owned). */
export interface RankingSnapshotsTable {
  period: "DAILY" | "WEEKLY" | "MONTHLY";
  period_start: CalendarDate;
  rank_by: "QUANTITY" | "REVENUE";
  rank: number;
  product_id: string;
  product_name: string;
  orders: number;
  quantity: number;
  revenue: number;
  /** The projector checkpoint when the list was taken: every event up to it is in the numbers. */
  as_of_position: number;
  taken_at: Date;
}

/** The rankings tables, added to the one kysely Database. */
declare module "@surge/platform/db/schema" {
  interface Database {
    paid_sales: PaidSalesTable;
    product_metrics_daily: ProductMetricsTable;
    product_metrics_weekly: ProductMetricsTable;
    product_metrics_monthly: ProductMetricsTable;
    ranking_snapshots: RankingSnapshotsTable;
  }
}
