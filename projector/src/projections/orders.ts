import { z } from "zod";
import { OrderCancelled, OrderExpired, OrderPlaced, orderItemSchema, type OrderItem } from "@surge/shared";
import { dataOf, type Projection } from "./handler.js";

const itemsSchema = z.array(orderItemSchema);
/** The items column back as typed lines (shared with the sale-events projection). */
export const orderItemsOf = (text: string): OrderItem[] => itemsSchema.parse(JSON.parse(text));

/** Orders still able to end; an order already cancelled or expired is never ended again. */
const live = ["PENDING_PAYMENT", "PAID"] as const;

/** orders: one row per order holding the contract's OrderView. */
export const orderProjection: Projection = {
  [OrderPlaced.type]: async (trx, event) => {
    const d = dataOf(OrderPlaced, event);
    await trx
      .insertInto("orders")
      .values({
        order_id: d.orderId,
        user_id: d.userId,
        event_id: d.eventId,
        status: "PENDING_PAYMENT",
        items: JSON.stringify(d.items),
        total_amount: d.totalAmount,
        discount_amount: d.discountAmount,
        payable_amount: d.payableAmount,
        coupon_claim_id: d.couponClaimId,
        cancel_reason: null,
        payment: null,
        goods: null,
        created_at: new Date(d.placedAt),
        expires_at: new Date(d.expiresAt),
        paid_at: null,
        updated_at: new Date(d.placedAt),
        updated_position: event.position,
      })
      .execute();
  },

  [OrderCancelled.type]: async (trx, event) => {
    const d = dataOf(OrderCancelled, event);
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
};
