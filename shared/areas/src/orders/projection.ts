import { z } from "zod";
import {
  GoodsAllocated,
  GoodsDelivered,
  GoodsReleased,
  GoodsShipped,
  orderEventTypes,
  OrderCancelled,
  OrderExpired,
  OrderPaid,
  OrderPlaced,
  orderItemSchema,
  PaymentFailed,
  PaymentRefunded,
  PaymentRequested,
  PaymentSucceeded,
  type OrderItem,
} from "./events.js";
import { ORDER_VIEW_COLUMNS } from "./tables.js";
import { type OrderView } from "./view.js";
import { type StoredEvent } from "@surge/platform/eventstore/types";
import { dataOf, typesOf, type Projection } from "@surge/platform/projection/handler";
import { insertRows, sqlValue, type SqlValue } from "@surge/platform/projection/multi-row";
import { ordersBefore, type OrderRow } from "./run-context.js";

const itemsSchema = z.array(orderItemSchema);
/** The items column back as typed lines (shared with the sale-events projection). */
export const orderItemsOf = (text: string): OrderItem[] => itemsSchema.parse(JSON.parse(text));

/**
 * An order row being folded. `settled` and `moved` hold the payment verdicts and goods steps
 * applied since `payment` or `goods` was last set outright: they are written as nested
 * JSON_SET(text, '$.status', ?) on that text, so the stored JSON text is what MariaDB makes of
 * each step one after the other, byte for byte.
 */
interface Folded {
  row: OrderRow;
  settled: string[];
  moved: string[];
  /** Changed by the run (its row is then a copy: the snapshot stays as it was read). */
  dirty: boolean;
}

/** Orders still able to end; an order already cancelled or expired is never ended again. */
const live = new Set<OrderRow["status"]>(["PENDING_PAYMENT", "PAID"]);

function placedRow(d: z.infer<typeof OrderPlaced.schema>, position: number): OrderRow {
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

/** One event on the run's rows, as the domain's evolveOrder changes the OrderView. */
function fold(orders: Map<string, Folded>, event: StoredEvent): void {
  const at = (iso: string) => ({ updated_at: new Date(iso), updated_position: event.position });
  const touch = (orderId: string, change: (o: Folded) => Partial<OrderRow> | null) => {
    const o = orders.get(orderId);
    if (!o) return; // an order the read model does not have: nothing to change
    const set = change(o);
    if (!set) return;
    if (!o.dirty) o.row = { ...o.row };
    Object.assign(o.row, set);
    o.dirty = true;
  };
  // A payment verdict moves the status of the order's payment, only when it has one (else nothing
  // changes, updatedAt included); the other fields were set by PaymentRequested.
  const settle = (orderId: string, status: string, iso: string) =>
    touch(orderId, (o) => {
      if (o.row.payment === null) return null;
      o.settled.push(status);
      return at(iso);
    });
  // A goods step, as evolve's withGoods: a new status only for goods the order holds, updatedAt always.
  const move = (orderId: string, status: string, iso: string) =>
    touch(orderId, (o) => {
      if (o.row.goods !== null) o.moved.push(status);
      return at(iso);
    });
  switch (event.type) {
    case OrderPlaced.type: {
      const d = dataOf(OrderPlaced, event);
      // Placed twice in one run: the INSERT of a second row would fail on the primary key, so fail the run.
      if (orders.has(d.orderId)) throw new Error(`order ${d.orderId} is already in the orders read model`);
      orders.set(d.orderId, { row: placedRow(d, event.position), settled: [], moved: [], dirty: true });
      return;
    }
    case OrderCancelled.type: {
      const d = dataOf(OrderCancelled, event);
      // Unpaid or paid alike: the sale-events projection returns the units once either way.
      return touch(d.orderId, (o) => (live.has(o.row.status) ? { status: "CANCELLED", cancel_reason: d.reason, ...at(d.cancelledAt) } : null));
    }
    case OrderExpired.type: {
      const d = dataOf(OrderExpired, event);
      return touch(d.orderId, (o) => (live.has(o.row.status) ? { status: "EXPIRED", ...at(d.expiredAt) } : null));
    }
    case PaymentRequested.type: {
      const d = dataOf(PaymentRequested, event);
      // The view's four fields only: the card and the transaction key stay in the store.
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
      // Only an unpaid order becomes paid (the decider emits it only then). Guarding it keeps an
      // ended order, whose units were already returned, from coming back to return them twice.
      return touch(d.orderId, (o) => (o.row.status === "PENDING_PAYMENT" ? { status: "PAID", paid_at: new Date(d.paidAt), ...at(d.paidAt) } : null));
    }
    case GoodsAllocated.type: {
      const d = dataOf(GoodsAllocated, event);
      const goods: NonNullable<OrderView["goods"]> = { name: d.name, status: "ALLOCATED" };
      return touch(d.orderId, (o) => {
        o.moved = [];
        return { goods: JSON.stringify(goods), ...at(d.allocatedAt) };
      });
    }
    case GoodsReleased.type: {
      const d = dataOf(GoodsReleased, event);
      return touch(d.orderId, (o) => {
        o.moved = [];
        return { goods: null, ...at(d.releasedAt) };
      });
    }
    case GoodsShipped.type: {
      const d = dataOf(GoodsShipped, event);
      return move(d.orderId, "SHIPPED", d.shippedAt);
    }
    case GoodsDelivered.type: {
      const d = dataOf(GoodsDelivered, event);
      return move(d.orderId, "DELIVERED", d.deliveredAt);
    }
  }
}

/** JSON_SET(JSON_SET(?, '$.status', ?), '$.status', ?): each step's statement, nested. */
const withStatuses = (text: string | null, statuses: readonly string[]): string | SqlValue | null => {
  if (text === null || statuses.length === 0) return text;
  return sqlValue(
    statuses.reduce((inner) => `JSON_SET(${inner}, '$.status', ?)`, "?"),
    text,
    ...statuses,
  );
};

const columns = [...ORDER_VIEW_COLUMNS, "updated_position"] as const satisfies ReadonlyArray<keyof OrderRow>;
// An existing row takes the mutable columns only.
const mutable = ["status", "cancel_reason", "payment", "goods", "paid_at", "updated_at", "updated_position"] as const;
const upsert = `ON DUPLICATE KEY UPDATE ${mutable.map((c) => `\`${c}\` = VALUES(\`${c}\`)`).join(", ")}`;

/**
 * orders: one row per order holding the contract's OrderView (orders/view.ts, from evolveOrder).
 * A run reads the rows it touches in one SELECT (a snapshot the sale-events projection shares),
 * folds its events in memory, then writes new orders in one plain INSERT (a duplicate OrderPlaced
 * fails on the primary key) and changed ones in one upsert.
 */
export const orderProjection: Projection = {
  types: typesOf(...orderEventTypes),
  async run(trx, events, ctx) {
    const before = await ordersBefore(trx, ctx);
    const orders = new Map<string, Folded>([...before].map(([id, row]) => [id, { row, settled: [], moved: [], dirty: false }]));
    for (const event of events) fold(orders, event);
    const changed = [...orders.values()].filter((o) => o.dirty);
    if (changed.length === 0) return;
    changed.sort((a, b) => (a.row.order_id < b.row.order_id ? -1 : 1));
    const rowOf = (o: Folded) =>
      columns.map((c) => (c === "payment" ? withStatuses(o.row.payment, o.settled) : c === "goods" ? withStatuses(o.row.goods, o.moved) : o.row[c]));
    const added = changed.filter((o) => !before.has(o.row.order_id)).map(rowOf);
    const updated = changed.filter((o) => before.has(o.row.order_id)).map(rowOf);
    await ctx.send(() => insertRows(trx, "orders", columns, added));
    await ctx.send(() => insertRows(trx, "orders", columns, updated, upsert));
  },
};
