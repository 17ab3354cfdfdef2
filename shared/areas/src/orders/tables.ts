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

/** The read model tables of this area, added to the one kysely Database. */
declare module "@surge/platform/db/schema" {
  interface Database {
    orders: OrdersTable;
  }
}
