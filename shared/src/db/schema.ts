import type { Generated } from "kysely";
import type { PaidSalesTable, ProductMetricsTable, RankingSnapshotsTable } from "./rankings-schema.js";

export type { PaidSalesTable, ProductMetricsTable, RankingSnapshotsTable } from "./rankings-schema.js";

/** Kysely table interfaces: one per table, the single description of what the SQL holds. */

export interface EventsTable {
  position: number;
  event_id: string;
  stream_id: string;
  version: number;
  type: string;
  data: string;
  metadata: string;
  tag: string | null;
  occurred_at: Date;
  recorded_at: Generated<Date>;
  hash: string;
}

export interface EventSequenceTable {
  id: number;
  last_position: number;
  last_hash: string;
}

export interface GuardFencesTable {
  fence_key: string;
  token: string;
}

export interface EventHandledTable {
  event_id: string;
  position: number;
  handled_at: Generated<Date>;
}

export interface ProjectionCheckpointsTable {
  name: string;
  position: number;
  updated_at: Generated<Date>;
}

export interface CouponViewTable {
  coupon_id: string;
  name: string;
  discount: string;
  quantity: number;
  claimed: number;
  per_user_limit: number;
  min_order_amount: number;
  claim_opens_at: Date;
  claim_closes_at: Date | null;
  valid_until: Date | null;
  created_at: Date;
  updated_position: number;
}

export interface CouponClaimsTable {
  claim_id: string;
  coupon_id: string;
  user_id: string;
  status: "AVAILABLE" | "RESERVED" | "USED" | "EXPIRED";
  claimed_at: Date;
  expires_at: Date | null;
  order_id: string | null;
  updated_position: number;
}

export interface ProductsTable {
  product_id: string;
  name: string;
  price: number;
  created_at: Date;
  updated_position: number;
}

export interface SaleEventsTable {
  event_id: string;
  name: string;
  status: "SCHEDULED" | "OPEN" | "CLOSED";
  opens_at: Date;
  closes_at: Date | null;
  goods_name: string | null;
  goods_quantity: number | null;
  goods_allocated: Generated<number>;
  created_position: number;
  updated_position: number;
}

export interface SaleDealsTable {
  deal_id: string;
  event_id: string;
  ordinal: number;
  product_id: string;
  product_name: string;
  sale_price: number;
  stock: number;
  sold: Generated<number>;
  per_user_limit: number;
  updated_position: number;
}

export interface OrdersTable {
  order_id: string;
  user_id: string;
  event_id: string;
  status: "PENDING_PAYMENT" | "PAID" | "CANCELLED" | "EXPIRED";
  /** JSON text: the order's items as placed. */
  items: string;
  total_amount: number;
  discount_amount: number;
  payable_amount: number;
  coupon_claim_id: string | null;
  cancel_reason: string | null;
  /** JSON text or null: the OrderView's payment. */
  payment: string | null;
  /** JSON text or null: the OrderView's goods. */
  goods: string | null;
  created_at: Date;
  expires_at: Date;
  paid_at: Date | null;
  updated_at: Date;
  updated_position: number;
}

export interface WalletsTable {
  user_id: string;
  /** The balance after the user's latest wallet event (each event carries it). */
  balance: number;
  updated_at: Date;
  updated_position: number;
}

export interface LeasesTable {
  name: string;
  owner: string;
  expires_at: Date;
}

/** Events the projector gave up on (dead-lettered); `retry-failed` resolves them. */
export interface ProjectionFailuresTable {
  event_id: string;
  position: number | null;
  stream_id: string | null;
  type: string | null;
  event: string | null;
  raw: string | null;
  source: string;
  error: string;
  attempts: number;
  failed_at: Date;
  resolved_at: Date | null;
}

export interface Database {
  events: EventsTable;
  event_sequence: EventSequenceTable;
  guard_fences: GuardFencesTable;
  event_handled: EventHandledTable;
  projection_checkpoints: ProjectionCheckpointsTable;
  coupon_view: CouponViewTable;
  coupon_claims: CouponClaimsTable;
  products: ProductsTable;
  sale_events: SaleEventsTable;
  sale_deals: SaleDealsTable;
  orders: OrdersTable;
  wallets: WalletsTable;
  paid_sales: PaidSalesTable;
  product_metrics_daily: ProductMetricsTable;
  product_metrics_weekly: ProductMetricsTable;
  product_metrics_monthly: ProductMetricsTable;
  ranking_snapshots: RankingSnapshotsTable;
  leases: LeasesTable;
  projection_failures: ProjectionFailuresTable;
}

/** The orders read model's columns that make up an OrderView (the projector also keeps updated_position). */
export const ORDER_VIEW_COLUMNS = [
  "order_id",
  "user_id",
  "event_id",
  "status",
  "items",
  "total_amount",
  "discount_amount",
  "payable_amount",
  "coupon_claim_id",
  "cancel_reason",
  "payment",
  "goods",
  "created_at",
  "expires_at",
  "paid_at",
  "updated_at",
] as const;
