import type {} from "./tables.js";
import { EventClosed, EventOpened, EventScheduled } from "./events.js";
import { GoodsAllocated, GoodsReleased, OrderCancelled, OrderExpired, OrderPlaced } from "../orders/events.js";
import { type StoredEvent } from "@surge/platform/eventstore/types";
import { dataOf, withBatch, type Projection, type Trx } from "@surge/platform/projection/handler";
import { orderItemsOf } from "../orders/projection.js";
import { saleEventsBatch } from "./projection-batch.js";

const addSold = async (trx: Trx, event: StoredEvent, lines: Array<{ dealId: string; quantity: number }>, sign: 1 | -1) => {
  for (const line of lines) {
    // Relative updates: exact only because apply commits the event_handled row with them.
    await trx
      .updateTable("sale_deals")
      .set((eb) => ({ sold: eb("sold", "+", sign * line.quantity), updated_position: event.position }))
      .where("deal_id", "=", line.dealId)
      .execute();
  }
};

const addAllocated = async (trx: Trx, event: StoredEvent, eventId: string, sign: 1 | -1) => {
  // Relative, like sold: exact because apply commits the event_handled row with it.
  await trx
    .updateTable("sale_events")
    .set((eb) => ({ goods_allocated: eb("goods_allocated", "+", sign), updated_position: event.position }))
    .where("event_id", "=", eventId)
    .execute();
};

/**
 * An ended order gives its units back once. The order row says whether it was still live before
 * this event: either its status is not final yet, or this very event made it final (the orders
 * projection ran first). That keeps the result independent of the order projections run in.
 */
async function releaseOrder(trx: Trx, event: StoredEvent, orderId: string): Promise<void> {
  const row = await trx.selectFrom("orders").select(["items", "status", "updated_position"]).where("order_id", "=", orderId).executeTakeFirst();
  // Positions are applied in order, so OrderPlaced is always in: a missing row is a bug to stall on.
  if (!row) throw new Error(`event ${event.eventId} ends order ${orderId}, which the orders read model does not have`);
  const endedBefore = (row.status === "CANCELLED" || row.status === "EXPIRED") && Number(row.updated_position) !== event.position;
  if (!endedBefore) await addSold(trx, event, orderItemsOf(row.items), -1);
}

/**
 * sale_events (status, goods handed out) and sale_deals (stock and units sold by live orders).
 * Payments never change sold: an order holds its units from OrderPlaced until it ends, paid or not.
 */
export const saleEventProjection: Projection = withBatch({
  [EventScheduled.type]: async (trx, event) => {
    const d = dataOf(EventScheduled, event);
    await trx
      .insertInto("sale_events")
      .values({
        event_id: d.eventId,
        name: d.name,
        status: "SCHEDULED",
        opens_at: new Date(d.opensAt),
        closes_at: d.closesAt === null ? null : new Date(d.closesAt),
        goods_name: d.goods?.name ?? null,
        goods_quantity: d.goods?.quantity ?? null,
        created_position: event.position,
        updated_position: event.position,
      })
      .execute();
    await trx
      .insertInto("sale_deals")
      .values(
        d.deals.map((deal, ordinal) => ({
          deal_id: deal.dealId,
          event_id: d.eventId,
          ordinal,
          product_id: deal.productId,
          product_name: deal.productName,
          sale_price: deal.salePrice,
          stock: deal.stock,
          per_user_limit: deal.perUserLimit,
          updated_position: event.position,
        })),
      )
      .execute();
  },

  [EventOpened.type]: async (trx, event) => {
    const d = dataOf(EventOpened, event);
    // Only a scheduled event opens: a closed one never comes back (the decider refuses it too).
    await trx.updateTable("sale_events").set({ status: "OPEN", updated_position: event.position }).where("event_id", "=", d.eventId).where("status", "=", "SCHEDULED").execute();
  },

  [EventClosed.type]: async (trx, event) => {
    const d = dataOf(EventClosed, event);
    await trx.updateTable("sale_events").set({ status: "CLOSED", updated_position: event.position }).where("event_id", "=", d.eventId).execute();
  },

  [OrderPlaced.type]: async (trx, event) => addSold(trx, event, dataOf(OrderPlaced, event).items, 1),
  [OrderCancelled.type]: async (trx, event) => releaseOrder(trx, event, dataOf(OrderCancelled, event).orderId),
  [OrderExpired.type]: async (trx, event) => releaseOrder(trx, event, dataOf(OrderExpired, event).orderId),

  // The decider allocates only to a paid order without goods and releases only goods it holds.
  [GoodsAllocated.type]: async (trx, event) => addAllocated(trx, event, dataOf(GoodsAllocated, event).eventId, 1),
  [GoodsReleased.type]: async (trx, event) => addAllocated(trx, event, dataOf(GoodsReleased, event).eventId, -1),
}, saleEventsBatch);
