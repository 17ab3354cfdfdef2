import type {} from "./tables.js";
import { OrderCancelled, OrderExpired, OrderPlaced, type OrderItem } from "../orders/events.js";
import { type StoredEvent } from "@surge/platform/eventstore/types";
import { dataOf, type BatchHandler, type Trx } from "@surge/platform/projection/handler";
import { orderItemsOf } from "../orders/projection.js";
import type { RunContext } from "@surge/platform/projection/run-context";
import { ordersBefore } from "../orders/run-context.js";

type Lines = ReadonlyArray<Pick<OrderItem, "dealId" | "quantity">>;

/** Net units per deal and the last position that touched it, as the per-event UPDATEs leave it. */
class SoldDeltas {
  readonly byDeal = new Map<string, { delta: number; position: number }>();
  add(lines: Lines, sign: 1 | -1, position: number): void {
    for (const line of lines) {
      const d = this.byDeal.get(line.dealId) ?? { delta: 0, position };
      d.delta += sign * line.quantity;
      d.position = position; // events come in position order: the last one wins, as SET does
      this.byDeal.set(line.dealId, d);
    }
  }
}

/**
 * sale_deals.sold in batch. An ended order gives its units back once: whether it was still live
 * before each ending event is folded from the orders rows before the run (see RunContext) plus the
 * run's own events, which is what the per-event handler reads off the orders row.
 */
export const saleEventsBatch: BatchHandler = {
  types: new Set([OrderPlaced.type, OrderCancelled.type, OrderExpired.type]),
  async run(trx: Trx, events: readonly StoredEvent[], ctx: RunContext) {
    const deltas = new SoldDeltas();
    // Per order: still live, and its lines. Filled from the snapshot only when an order ends.
    const orders = new Map<string, { live: boolean; lines: Lines }>();
    let before: ReadonlyMap<string, { status: string; items: string }> | null = null;
    for (const event of events) {
      if (event.type === OrderPlaced.type) {
        const d = dataOf(OrderPlaced, event);
        orders.set(d.orderId, { live: true, lines: d.items });
        deltas.add(d.items, 1, event.position);
        continue;
      }
      const orderId = event.type === OrderCancelled.type ? dataOf(OrderCancelled, event).orderId : dataOf(OrderExpired, event).orderId;
      let order = orders.get(orderId);
      if (!order) {
        before ??= await ordersBefore(trx, ctx);
        const row = before.get(orderId);
        // Positions are applied in order, so OrderPlaced is always in: a missing row is a bug to stall on.
        if (!row) throw new Error(`event ${event.eventId} ends order ${orderId}, which the orders read model does not have`);
        order = { live: row.status !== "CANCELLED" && row.status !== "EXPIRED", lines: orderItemsOf(row.items) };
        orders.set(orderId, order);
      }
      if (!order.live) continue;
      order.live = false;
      deltas.add(order.lines, -1, event.position);
    }
    // One relative UPDATE per deal (a sale has a handful); sorted, so concurrent runs lock alike.
    for (const [dealId, { delta, position }] of [...deltas.byDeal].sort(([a], [b]) => (a < b ? -1 : 1))) {
      await ctx.send(() =>
        trx
          .updateTable("sale_deals")
          .set((eb) => ({ sold: eb("sold", "+", delta), updated_position: position }))
          .where("deal_id", "=", dealId)
          .execute(),
      );
    }
  },
};
