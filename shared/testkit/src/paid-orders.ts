import { newId } from "@surge/platform/ids";
import { orderStream, type OrderItem, type PlacedOrder } from "@surge/areas/orders/events";
import type { EventStore } from "@surge/platform/eventstore/types";
import { lineShares } from "@surge/areas/rankings/revenue";
import { rawEvent } from "./raw-event.js";

/**
 * Test support for sales metrics: paid orders appended straight to the store with chosen instants
 * (as command-api would have appended them at those times), and a brute-force recount of what the
 * metrics must say, computed from the orders alone and independently of the projection.
 */

export interface TestProduct {
  productId: string;
  name: string;
  unitPrice: number;
}

export interface PaidOrder {
  order: PlacedOrder;
  paidAt: string;
  /** Set once the paid order is cancelled or refunded: it then counts nowhere. */
  reversedAt: string | null;
}

export interface PaidOrderSpec {
  lines: Array<[TestProduct, number]>;
  discountAmount?: number;
  paidAt: string;
  /** OrderPaid's occurredAt when the store recorded it later than the payment (a late callback). */
  recordedAt?: string;
}

/** OrderPlaced a minute before `paidAt`, then the points payment and OrderPaid, as the decider emits them. */
export async function appendPaidOrder(store: EventStore, spec: PaidOrderSpec): Promise<PaidOrder> {
  const { paidAt, recordedAt = paidAt } = spec;
  const eventId = "metrics-sale";
  const items: OrderItem[] = spec.lines.map(([p, quantity], i) => ({
    dealId: `${eventId}-d${i + 1}`,
    productId: p.productId,
    productName: p.name,
    quantity,
    unitPrice: p.unitPrice,
    lineAmount: p.unitPrice * quantity,
  }));
  const totalAmount = items.reduce((n, i) => n + i.lineAmount, 0);
  const discountAmount = Math.min(spec.discountAmount ?? 0, totalAmount);
  const placedAt = new Date(Date.parse(paidAt) - 60_000).toISOString();
  const order: PlacedOrder = {
    orderId: newId(),
    userId: "metrics-user",
    eventId,
    items,
    totalAmount,
    discountAmount,
    payableAmount: totalAmount - discountAmount,
    couponClaimId: null,
    couponId: null,
    placedAt,
    expiresAt: new Date(Date.parse(placedAt) + 600_000).toISOString(),
  };
  const ref = { orderId: order.orderId, eventId };
  const paymentId = newId();
  await store.append(orderStream(order.orderId), "no_stream", [rawEvent("OrderPlaced", order, { at: placedAt, eventId: order.orderId })]);
  await store.append(orderStream(order.orderId), 1, [
    rawEvent("PaymentRequested", { ...ref, paymentId, method: "POINTS", amount: order.payableAmount, card: null, requestedAt: recordedAt }, { at: recordedAt }),
    rawEvent("PaymentSucceeded", { ...ref, paymentId, amount: order.payableAmount, transactionKey: null, succeededAt: recordedAt }, { at: recordedAt }),
    rawEvent("OrderPaid", { ...ref, userId: order.userId, paymentId, items, payableAmount: order.payableAmount, paidAt }, { at: recordedAt }),
  ]);
  return { order, paidAt, reversedAt: null };
}

/** A paid order cancelled at `at`, with the points refund in the same append as the decider emits it. */
export async function appendPaidCancel(store: EventStore, paid: PaidOrder, at: string): Promise<void> {
  const ref = { orderId: paid.order.orderId, eventId: paid.order.eventId };
  const [payment] = (await store.readStream(orderStream(ref.orderId))).filter((e) => e.type === "PaymentRequested");
  const paymentId = (payment?.data as { paymentId: string }).paymentId;
  await store.append(orderStream(ref.orderId), "any", [
    rawEvent("OrderCancelled", { ...ref, reason: "USER", cancelledAt: at }, { at }),
    rawEvent("PaymentRefunded", { ...ref, paymentId, amount: paid.order.payableAmount, refundedAt: at }, { at }),
  ]);
  paid.reversedAt = at;
}

export interface Tally {
  orders: number;
  quantity: number;
  revenue: number;
}
export type Recount = Record<"DAILY" | "WEEKLY" | "MONTHLY", Map<string, Map<string, Tally>>>;

const DAY_MS = 86_400_000;
/** Asia/Seoul has been UTC+9 all year since 1988: a fixed offset, no time-zone database involved. */
const seoulDate = (instant: string) => new Date(Date.parse(instant) + 9 * 3_600_000).toISOString().slice(0, 10);
const mondayOf = (date: string) => {
  const t = Date.parse(`${date}T00:00:00Z`);
  const dow = new Date(t).getUTCDay();
  return new Date(t - ((dow + 6) % 7) * DAY_MS).toISOString().slice(0, 10);
};

/** Period → period start → product → tally, over the orders still paid, by the Seoul date of paidAt. */
export function recountSeoul(orders: readonly PaidOrder[]): Recount {
  const out: Recount = { DAILY: new Map(), WEEKLY: new Map(), MONTHLY: new Map() };
  for (const paid of orders) {
    if (paid.reversedAt) continue;
    const day = seoulDate(paid.paidAt);
    const keys = { DAILY: day, WEEKLY: mondayOf(day), MONTHLY: `${day.slice(0, 7)}-01` };
    const shares = lineShares(
      paid.order.items.map((i) => i.lineAmount),
      paid.order.payableAmount,
    );
    for (const period of ["DAILY", "WEEKLY", "MONTHLY"] as const) {
      const products = out[period].get(keys[period]) ?? new Map<string, Tally>();
      out[period].set(keys[period], products);
      const seen = new Set<string>();
      paid.order.items.forEach((item, i) => {
        const t = products.get(item.productId) ?? { orders: 0, quantity: 0, revenue: 0 };
        if (!seen.has(item.productId)) t.orders++;
        seen.add(item.productId);
        t.quantity += item.quantity;
        t.revenue += shares[i]!;
        products.set(item.productId, t);
      });
    }
  }
  return out;
}

/** The ranking a period's recount implies: quantity or revenue descending, ties by product id. */
export function rankRecount(products: Map<string, Tally> | undefined, by: "QUANTITY" | "REVENUE", limit: number) {
  const key = by === "QUANTITY" ? "quantity" : "revenue";
  return [...(products ?? new Map<string, Tally>()).entries()]
    .filter(([, t]) => t.quantity > 0)
    .sort(([a, x], [b, y]) => y[key] - x[key] || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, limit)
    .map(([productId, t], i) => ({ rank: i + 1, productId, ...t }));
}
