import type {} from "./tables.js";
import { EventClosed, EventOpened, EventScheduled } from "./events.js";
import { GoodsAllocated, GoodsReleased, OrderCancelled, OrderExpired, OrderPlaced, type OrderItem } from "../orders/events.js";
import { Deltas, type Statement } from "@surge/platform/projection/deltas";
import { dataOf, typesOf, type Projection } from "@surge/platform/projection/handler";
import { orderItemsOf } from "../orders/projection.js";
import { ordersBefore } from "../orders/run-context.js";

type Lines = ReadonlyArray<Pick<OrderItem, "dealId" | "quantity">>;

/**
 * sale_events (status, goods handed out) and sale_deals (stock and units sold by live orders).
 * Payments never change sold: an order holds its units from OrderPlaced until it ends, paid or not.
 * sold and goods_allocated are relative updates, one per row and run (exact only because apply
 * commits the event_handled rows with them); the rare statements of a sale (scheduled, opened,
 * closed) are sent as they come.
 */
export const saleProjection: Projection = {
  types: typesOf(EventScheduled, EventOpened, EventClosed, OrderPlaced, OrderCancelled, OrderExpired, GoodsAllocated, GoodsReleased),
  async run(trx, events, ctx) {
    const sold = new Deltas((dealId, delta, position) =>
      trx
        .updateTable("sale_deals")
        .set((eb) => ({ sold: eb("sold", "+", delta), updated_position: position }))
        .where("deal_id", "=", dealId)
        .execute(),
    );
    // The decider allocates only to a paid order without goods and releases only goods it holds.
    const allocated = new Deltas((eventId, delta, position) =>
      trx
        .updateTable("sale_events")
        .set((eb) => ({ goods_allocated: eb("goods_allocated", "+", delta), updated_position: position }))
        .where("event_id", "=", eventId)
        .execute(),
    );
    const writes: Statement[] = [];
    // An ended order gives its units back once. Per order: still live, and its lines; known from
    // the run's OrderPlaced or else from the orders rows before the run, read only when an order ends.
    const orders = new Map<string, { live: boolean; lines: Lines }>();
    let before: Awaited<ReturnType<typeof ordersBefore>> | null = null;
    for (const event of events) {
      switch (event.type) {
        case EventScheduled.type: {
          const d = dataOf(EventScheduled, event);
          const sale = {
            event_id: d.eventId,
            name: d.name,
            status: "SCHEDULED" as const,
            opens_at: new Date(d.opensAt),
            closes_at: d.closesAt === null ? null : new Date(d.closesAt),
            goods_name: d.goods?.name ?? null,
            goods_quantity: d.goods?.quantity ?? null,
            created_position: event.position,
            updated_position: event.position,
          };
          const deals = d.deals.map((deal, ordinal) => ({
            deal_id: deal.dealId,
            event_id: d.eventId,
            ordinal,
            product_id: deal.productId,
            product_name: deal.productName,
            sale_price: deal.salePrice,
            stock: deal.stock,
            per_user_limit: deal.perUserLimit,
            updated_position: event.position,
          }));
          writes.push(
            ...allocated.take([d.eventId]),
            ...sold.take(d.deals.map((deal) => deal.dealId)),
            () => trx.insertInto("sale_events").values(sale).execute(),
            () => trx.insertInto("sale_deals").values(deals).execute(),
          );
          break;
        }
        case EventOpened.type: {
          const d = dataOf(EventOpened, event);
          // Only a scheduled event opens: a closed one never comes back (the decider refuses it too).
          writes.push(...allocated.take([d.eventId]), () =>
            trx
              .updateTable("sale_events")
              .set({ status: "OPEN", updated_position: event.position })
              .where("event_id", "=", d.eventId)
              .where("status", "=", "SCHEDULED")
              .execute(),
          );
          break;
        }
        case EventClosed.type: {
          const d = dataOf(EventClosed, event);
          writes.push(...allocated.take([d.eventId]), () =>
            trx.updateTable("sale_events").set({ status: "CLOSED", updated_position: event.position }).where("event_id", "=", d.eventId).execute(),
          );
          break;
        }
        case OrderPlaced.type: {
          const d = dataOf(OrderPlaced, event);
          orders.set(d.orderId, { live: true, lines: d.items });
          for (const line of d.items) sold.add(line.dealId, line.quantity, event.position);
          break;
        }
        case OrderCancelled.type:
        case OrderExpired.type: {
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
          if (!order.live) break;
          order.live = false;
          for (const line of order.lines) sold.add(line.dealId, -line.quantity, event.position);
          break;
        }
        case GoodsAllocated.type:
          allocated.add(dataOf(GoodsAllocated, event).eventId, 1, event.position);
          break;
        case GoodsReleased.type:
          allocated.add(dataOf(GoodsReleased, event).eventId, -1, event.position);
          break;
      }
    }
    // A sale has a handful of deals: one UPDATE each, sorted, so concurrent runs lock alike.
    for (const statement of [...writes, ...sold.drain(), ...allocated.drain()]) await ctx.send(statement);
  },
};
