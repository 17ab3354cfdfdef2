import { z } from "zod";
import type { Selectable } from "kysely";
import { ORDER_VIEW_COLUMNS, type OrdersTable } from "./tables.js";
import { orderItemSchema } from "./events.js";
import { type Db } from "@surge/platform/db/database";
import { type OrderView } from "./view.js";
import type { Keyset } from "@surge/platform/http/pagination";

export const orderStatuses = ["PENDING_PAYMENT", "PAID", "CANCELLED", "EXPIRED"] as const;
export type OrderStatus = (typeof orderStatuses)[number];

export interface OwnedOrder {
  userId: string;
  view: OrderView;
}

const itemsSchema = z.array(orderItemSchema);
const paymentSchema = z.object({ paymentId: z.string(), method: z.string(), status: z.string(), amount: z.number() }).nullable();
const goodsSchema = z.object({ name: z.string(), status: z.string() }).nullable();
const json = <T>(schema: z.ZodType<T>, text: string | null) => schema.parse(text === null ? null : JSON.parse(text));
const iso = (d: Date | null) => (d === null ? null : d.toISOString());

/** The view's columns of the orders table, as kysely reads them. */
type OrderRow = Pick<Selectable<OrdersTable>, (typeof ORDER_VIEW_COLUMNS)[number]>;

/** The same OrderView the command side answers with (shared/sales/order-view.ts), key for key. */
const viewOf = (r: OrderRow): OrderView => ({
  orderId: r.order_id,
  status: r.status,
  eventId: r.event_id,
  items: json(itemsSchema, r.items),
  totalAmount: Number(r.total_amount),
  discountAmount: Number(r.discount_amount),
  payableAmount: Number(r.payable_amount),
  couponClaimId: r.coupon_claim_id,
  createdAt: r.created_at.toISOString(),
  expiresAt: r.expires_at.toISOString(),
  cancelReason: r.cancel_reason,
  payment: json(paymentSchema, r.payment),
  goods: json(goodsSchema, r.goods),
  paidAt: iso(r.paid_at),
  updatedAt: r.updated_at.toISOString(),
});

export async function findOrder(db: Db, orderId: string): Promise<OwnedOrder | null> {
  const row = await db.selectFrom("orders").select(ORDER_VIEW_COLUMNS).where("order_id", "=", orderId).executeTakeFirst();
  return row ? { userId: row.user_id, view: viewOf(row) } : null;
}

/**
 * The user's orders newest first, `limit + 1` of them after `after`. Keyset on (created_at,
 * order_id) descending: orders placed while a client pages sort before its cursor, so later
 * pages neither repeat nor skip anything.
 */
export async function listUserOrders(
  db: Db,
  userId: string,
  opts: { status?: OrderStatus | undefined; after: Keyset | null; limit: number },
): Promise<Array<OrderView>> {
  let q = db.selectFrom("orders").select(ORDER_VIEW_COLUMNS).where("user_id", "=", userId);
  if (opts.status) q = q.where("status", "=", opts.status);
  const after = opts.after;
  if (after) q = q.where((eb) => eb.or([eb("created_at", "<", after.at), eb.and([eb("created_at", "=", after.at), eb("order_id", "<", after.id)])]));
  const rows = await q
    .orderBy("created_at", "desc")
    .orderBy("order_id", "desc")
    .limit(opts.limit + 1)
    .execute();
  return rows.map(viewOf);
}
