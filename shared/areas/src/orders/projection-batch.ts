import { OrderCancelled, OrderExpired, OrderPaid, OrderPlaced, PaymentFailed, PaymentRefunded, PaymentRequested, PaymentSucceeded } from "./events.js";
import { ORDER_VIEW_COLUMNS } from "./tables.js";
import { type EventOf } from "@surge/platform/events/event-type";
import { type OrderView } from "./view.js";
import { type StoredEvent } from "@surge/platform/eventstore/types";
import { dataOf, type BatchHandler, type Trx } from "@surge/platform/projection/handler";
import { insertRows, sqlValue, type SqlValue } from "@surge/platform/projection/multi-row";
import { ordersBefore, type OrderRow } from "./run-context.js";
import type { RunContext } from "@surge/platform/projection/run-context";

/** The orders row of a just-placed order: one mapping for the per-event and the batch projection. */
export function placedOrderRow(d: EventOf<typeof OrderPlaced>["data"], position: number): OrderRow {
  return {
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
    updated_position: position,
  };
}

/**
 * An order row being folded. `settled` holds the payment verdicts applied since `payment` was last
 * set: they are written as nested JSON_SET on that text, exactly the statements the per-event
 * handlers run, so the stored JSON text is the same byte for byte.
 */
interface Folded {
  row: OrderRow;
  settled: string[];
  /** Changed by the run (its row is then a copy: the snapshot stays as it was read). */
  dirty: boolean;
}

const live = new Set<OrderRow["status"]>(["PENDING_PAYMENT", "PAID"]);

function fold(orders: Map<string, Folded>, event: StoredEvent): void {
  const at = (iso: string) => ({ updated_at: new Date(iso), updated_position: event.position });
  const touch = (orderId: string, change: (o: Folded) => Partial<OrderRow> | null) => {
    const o = orders.get(orderId);
    if (!o) return; // the per-event UPDATE matches no row
    const set = change(o);
    if (!set) return;
    if (!o.dirty) o.row = { ...o.row };
    Object.assign(o.row, set);
    o.dirty = true;
  };
  const settle = (orderId: string, status: string, iso: string) =>
    touch(orderId, (o) => {
      if (o.row.payment === null) return null;
      o.settled.push(status);
      return at(iso);
    });
  switch (event.type) {
    case OrderPlaced.type: {
      const d = dataOf(OrderPlaced, event);
      // Placed twice in one run: the per-event INSERT would fail on the primary key, so fail the run.
      if (orders.has(d.orderId)) throw new Error(`order ${d.orderId} is already in the orders read model`);
      const row = placedOrderRow(d, event.position);
      orders.set(d.orderId, { row, settled: [], dirty: true });
      return;
    }
    case OrderCancelled.type: {
      const d = dataOf(OrderCancelled, event);
      return touch(d.orderId, (o) => (live.has(o.row.status) ? { status: "CANCELLED", cancel_reason: d.reason, ...at(d.cancelledAt) } : null));
    }
    case OrderExpired.type: {
      const d = dataOf(OrderExpired, event);
      return touch(d.orderId, (o) => (live.has(o.row.status) ? { status: "EXPIRED", ...at(d.expiredAt) } : null));
    }
    case PaymentRequested.type: {
      const d = dataOf(PaymentRequested, event);
      const payment: NonNullable<OrderView["payment"]> = { paymentId: d.paymentId, method: d.method, status: "PENDING", amount: d.amount };
      return touch(d.orderId, (o) => {
        o.settled = [];
        return { payment: JSON.stringify(payment), ...at(d.requestedAt) };
      });
    }
    case PaymentSucceeded.type: {
      const d = dataOf(PaymentSucceeded, event);
      return settle(d.orderId, "SUCCEEDED", d.succeededAt);
    }
    case PaymentFailed.type: {
      const d = dataOf(PaymentFailed, event);
      return settle(d.orderId, "FAILED", d.failedAt);
    }
    case PaymentRefunded.type: {
      const d = dataOf(PaymentRefunded, event);
      return settle(d.orderId, "REFUNDED", d.refundedAt);
    }
    case OrderPaid.type: {
      const d = dataOf(OrderPaid, event);
      return touch(d.orderId, (o) => (o.row.status === "PENDING_PAYMENT" ? { status: "PAID", paid_at: new Date(d.paidAt), ...at(d.paidAt) } : null));
    }
  }
}

const paymentValue = (o: Folded): string | SqlValue | null => {
  if (o.row.payment === null || o.settled.length === 0) return o.row.payment;
  // JSON_SET(JSON_SET(?, '$.status', ?), '$.status', ?): the per-event statements, nested.
  const text = o.settled.reduce((inner) => `JSON_SET(${inner}, '$.status', ?)`, "?");
  return sqlValue(text, o.row.payment, ...o.settled);
};

const columns = [...ORDER_VIEW_COLUMNS, "updated_position"] as const satisfies ReadonlyArray<keyof OrderRow>;
// An existing row takes the mutable columns only.
const mutable = ["status", "cancel_reason", "payment", "goods", "paid_at", "updated_at", "updated_position"] as const;
const upsert = `ON DUPLICATE KEY UPDATE ${mutable.map((c) => `\`${c}\` = VALUES(\`${c}\`)`).join(", ")}`;

/** The orders projection's hot types in batch: one SELECT (shared snapshot), one INSERT of new orders, one upsert of changed ones. */
export const ordersBatch: BatchHandler = {
  types: new Set([OrderPlaced, OrderCancelled, OrderExpired, PaymentRequested, PaymentSucceeded, PaymentFailed, PaymentRefunded, OrderPaid].map((t) => t.type)),
  async run(trx: Trx, events: readonly StoredEvent[], ctx: RunContext) {
    const before = await ordersBefore(trx, ctx);
    const orders = new Map<string, Folded>([...before].map(([id, row]) => [id, { row, settled: [], dirty: false }]));
    for (const event of events) fold(orders, event);
    const changed = [...orders.values()].filter((o) => o.dirty);
    if (changed.length === 0) return;
    changed.sort((a, b) => (a.row.order_id < b.row.order_id ? -1 : 1));
    const rowOf = (o: Folded) => columns.map((c) => (c === "payment" ? paymentValue(o) : o.row[c]));
    // New orders by a plain INSERT: a duplicate OrderPlaced fails on the primary key, as per event.
    const added = changed.filter((o) => !before.has(o.row.order_id)).map(rowOf);
    const updated = changed.filter((o) => before.has(o.row.order_id)).map(rowOf);
    await ctx.send(() => insertRows(trx, "orders", columns, added));
    await ctx.send(() => insertRows(trx, "orders", columns, updated, upsert));
  },
};
