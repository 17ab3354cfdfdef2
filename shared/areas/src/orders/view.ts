import type { LiveOrder } from "./order.js";
import type { PlacedOrder } from "./events.js";

export interface OrderView {
  orderId: string;
  status: "PENDING_PAYMENT" | "PAID" | "CANCELLED" | "EXPIRED";
  eventId: string;
  items: PlacedOrder["items"];
  totalAmount: number;
  discountAmount: number;
  payableAmount: number;
  couponClaimId: string | null;
  createdAt: string;
  expiresAt: string;
  cancelReason: string | null;
  payment: null | { paymentId: string; method: string; status: string; amount: number };
  goods: null | { name: string; status: string };
  paidAt: string | null;
  updatedAt: string;
}

/** The contract's OrderView from the command side's own state (the query side builds the same from its table). */
export function orderView(order: PlacedOrder, status: OrderView["status"], extra: Partial<OrderView> = {}): OrderView {
  return {
    orderId: order.orderId,
    status,
    eventId: order.eventId,
    items: order.items,
    totalAmount: order.totalAmount,
    discountAmount: order.discountAmount,
    payableAmount: order.payableAmount,
    couponClaimId: order.couponClaimId,
    createdAt: order.placedAt,
    expiresAt: order.expiresAt,
    cancelReason: null,
    payment: null,
    goods: null,
    paidAt: null,
    updatedAt: order.placedAt,
    ...extra,
  };
}

export function viewOf(s: LiveOrder): OrderView {
  const payment = s.payment ? { paymentId: s.payment.paymentId, method: s.payment.method, status: s.payment.status, amount: s.payment.amount } : null;
  return orderView(s.order, s.status, { updatedAt: s.updatedAt, cancelReason: s.cancelReason, paidAt: s.paidAt, payment, goods: s.goods });
}
