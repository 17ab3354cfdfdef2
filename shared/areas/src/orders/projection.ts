import type {} from "./tables.js";
import { sql } from "kysely";
import { z } from "zod";
import { GoodsAllocated, GoodsDelivered, GoodsReleased, GoodsShipped, OrderCancelled, OrderExpired, OrderPaid, OrderPlaced, orderItemSchema, PaymentFailed, PaymentRefunded, PaymentRequested, PaymentSucceeded, type OrderItem } from "./events.js";
import { type OrderView } from "./view.js";
import { type StoredEvent } from "@surge/platform/eventstore/types";
import { dataOf, withBatch, type Projection, type Trx } from "@surge/platform/projection/handler";
import { ordersBatch, placedOrderRow } from "./projection-batch.js";

const itemsSchema = z.array(orderItemSchema);
/** The items column back as typed lines (shared with the sale-events projection). */
export const orderItemsOf = (text: string): OrderItem[] => itemsSchema.parse(JSON.parse(text));

/** Orders still able to end; an order already cancelled or expired is never ended again. */
const live = ["PENDING_PAYMENT", "PAID"] as const;

type PaymentStatus = "PENDING" | "SUCCEEDED" | "FAILED" | "REFUNDED";
type GoodsStatus = "ALLOCATED" | "SHIPPED" | "DELIVERED";

/**
 * A payment verdict moves the status of the order's payment, as the domain's evolve does: only
 * when the order has a payment (else nothing changes, updatedAt included). The other fields were
 * set by PaymentRequested. JSON_SET keeps it one absolute statement.
 */
const settlePayment = async (trx: Trx, event: StoredEvent, orderId: string, status: PaymentStatus, at: string) => {
  await trx
    .updateTable("orders")
    .set({ payment: sql<string>`JSON_SET(payment, '$.status', ${status})`, updated_at: new Date(at), updated_position: event.position })
    .where("order_id", "=", orderId)
    .where("payment", "is not", null)
    .execute();
};

/** A goods step, as evolve's withGoods: a new status only for goods the order holds, updatedAt always. */
const moveGoods = async (trx: Trx, event: StoredEvent, orderId: string, status: GoodsStatus | null, at: string) => {
  await trx
    .updateTable("orders")
    .set({
      goods: status === null ? null : sql<string>`JSON_SET(goods, '$.status', ${status})`,
      updated_at: new Date(at),
      updated_position: event.position,
    })
    .where("order_id", "=", orderId)
    .execute();
};

/** orders: one row per order holding the contract's OrderView (shared/sales/order-view.ts, from evolveOrder). */
export const orderProjection: Projection = withBatch({
  [OrderPlaced.type]: async (trx, event) => {
    const d = dataOf(OrderPlaced, event);
    await trx
      .insertInto("orders")
      .values(placedOrderRow(d, event.position))
      .execute();
  },

  [OrderCancelled.type]: async (trx, event) => {
    const d = dataOf(OrderCancelled, event);
    // Unpaid or paid alike: the sale-events projection returns the units once either way.
    await trx
      .updateTable("orders")
      .set({ status: "CANCELLED", cancel_reason: d.reason, updated_at: new Date(d.cancelledAt), updated_position: event.position })
      .where("order_id", "=", d.orderId)
      .where("status", "in", live)
      .execute();
  },

  [OrderExpired.type]: async (trx, event) => {
    const d = dataOf(OrderExpired, event);
    await trx
      .updateTable("orders")
      .set({ status: "EXPIRED", updated_at: new Date(d.expiredAt), updated_position: event.position })
      .where("order_id", "=", d.orderId)
      .where("status", "in", live)
      .execute();
  },

  [PaymentRequested.type]: async (trx, event) => {
    const d = dataOf(PaymentRequested, event);
    // The view's four fields only: the card and the transaction key stay in the store.
    const payment: NonNullable<OrderView["payment"]> = { paymentId: d.paymentId, method: d.method, status: "PENDING", amount: d.amount };
    await trx
      .updateTable("orders")
      .set({ payment: JSON.stringify(payment), updated_at: new Date(d.requestedAt), updated_position: event.position })
      .where("order_id", "=", d.orderId)
      .execute();
  },

  [PaymentSucceeded.type]: async (trx, event) => {
    const d = dataOf(PaymentSucceeded, event);
    await settlePayment(trx, event, d.orderId, "SUCCEEDED", d.succeededAt);
  },

  [PaymentFailed.type]: async (trx, event) => {
    const d = dataOf(PaymentFailed, event);
    await settlePayment(trx, event, d.orderId, "FAILED", d.failedAt);
  },

  [PaymentRefunded.type]: async (trx, event) => {
    const d = dataOf(PaymentRefunded, event);
    await settlePayment(trx, event, d.orderId, "REFUNDED", d.refundedAt);
  },

  [OrderPaid.type]: async (trx, event) => {
    const d = dataOf(OrderPaid, event);
    // Only an unpaid order becomes paid (the decider emits it only then). Guarding it keeps an
    // ended order, whose units were already returned, from coming back to return them twice.
    await trx
      .updateTable("orders")
      .set({ status: "PAID", paid_at: new Date(d.paidAt), updated_at: new Date(d.paidAt), updated_position: event.position })
      .where("order_id", "=", d.orderId)
      .where("status", "=", "PENDING_PAYMENT")
      .execute();
  },

  [GoodsAllocated.type]: async (trx, event) => {
    const d = dataOf(GoodsAllocated, event);
    const goods: NonNullable<OrderView["goods"]> = { name: d.name, status: "ALLOCATED" };
    await trx
      .updateTable("orders")
      .set({ goods: JSON.stringify(goods), updated_at: new Date(d.allocatedAt), updated_position: event.position })
      .where("order_id", "=", d.orderId)
      .execute();
  },

  [GoodsReleased.type]: async (trx, event) => {
    const d = dataOf(GoodsReleased, event);
    await moveGoods(trx, event, d.orderId, null, d.releasedAt);
  },

  [GoodsShipped.type]: async (trx, event) => {
    const d = dataOf(GoodsShipped, event);
    await moveGoods(trx, event, d.orderId, "SHIPPED", d.shippedAt);
  },

  [GoodsDelivered.type]: async (trx, event) => {
    const d = dataOf(GoodsDelivered, event);
    await moveGoods(trx, event, d.orderId, "DELIVERED", d.deliveredAt);
  },
}, ordersBatch);
