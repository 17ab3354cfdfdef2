import { couponClaimStream } from "@surge/areas/coupons/claim-events";
import { newId } from "@surge/platform/ids";
import { orderStream, type PlacedOrder } from "@surge/areas/orders/events";
import { productStream } from "@surge/areas/catalog/events";
import { saleStream, saleTag, type SaleDefinition } from "@surge/areas/sales/events";
import { type EventStore } from "@surge/platform/eventstore/types";
import { rawEvent } from "./raw-event.js";

/** A product, and an open sale of it with `stocks.length` deals, appended as command-api does. */
export async function appendOpenSale(store: EventStore, stocks: number[], goods: SaleDefinition["goods"] = null): Promise<SaleDefinition> {
  const eventId = newId();
  const deals = [];
  for (const [i, stock] of stocks.entries()) {
    const productId = newId();
    await store.append(productStream(productId), "no_stream", [rawEvent("ProductCreated", { productId, name: `Product ${i + 1}`, price: 20_000 })]);
    deals.push({ dealId: `${eventId}-d${i + 1}`, productId, productName: `Product ${i + 1}`, salePrice: 10_000, stock, perUserLimit: stock });
  }
  const def: SaleDefinition = { eventId, name: "Flash", opensAt: new Date(Date.now() - 1000).toISOString(), closesAt: null, deals, goods };
  await store.append(saleStream(eventId), "no_stream", [
    rawEvent("EventScheduled", def),
    rawEvent("EventOpened", { eventId, openedAt: new Date().toISOString(), forced: false }),
  ]);
  return def;
}

/** An OrderPlaced as command-api appends it: event id = order id, tagged with its sale. */
export function placed(
  sale: SaleDefinition,
  userId: string,
  lines: Array<[dealIndex: number, quantity: number]>,
  couponClaimId: string | null = null,
): PlacedOrder {
  const items = lines.map(([i, quantity]) => {
    const deal = sale.deals[i]!;
    return {
      dealId: deal.dealId,
      productId: deal.productId,
      productName: deal.productName,
      quantity,
      unitPrice: deal.salePrice,
      lineAmount: deal.salePrice * quantity,
    };
  });
  const total = items.reduce((n, i) => n + i.lineAmount, 0);
  const now = new Date();
  return {
    orderId: newId(),
    userId,
    eventId: sale.eventId,
    items,
    totalAmount: total,
    discountAmount: 0,
    payableAmount: total,
    couponClaimId,
    couponId: null,
    placedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + 600_000).toISOString(),
  };
}

export async function appendOrder(store: EventStore, order: PlacedOrder): Promise<void> {
  await store.append(orderStream(order.orderId), "no_stream", [rawEvent("OrderPlaced", order, { eventId: order.orderId, tag: saleTag(order.eventId) })]);
}

export async function appendOrderEnd(store: EventStore, order: PlacedOrder, how: "cancel" | "expire"): Promise<void> {
  const at = new Date().toISOString();
  const data =
    how === "cancel"
      ? { orderId: order.orderId, eventId: order.eventId, reason: "USER", cancelledAt: at }
      : { orderId: order.orderId, eventId: order.eventId, expiredAt: at };
  await store.append(orderStream(order.orderId), "any", [
    rawEvent(how === "cancel" ? "OrderCancelled" : "OrderExpired", data, { tag: saleTag(order.eventId) }),
  ]);
}

export async function appendClaimEvent(
  store: EventStore,
  type: "CouponClaimReserved" | "CouponClaimReleased" | "CouponClaimUsed",
  claim: { claimId: string; couponId: string },
  orderId: string,
): Promise<void> {
  const at = new Date().toISOString();
  const stamp = { CouponClaimReserved: "reservedAt", CouponClaimReleased: "releasedAt", CouponClaimUsed: "usedAt" }[type];
  await store.append(couponClaimStream(claim.claimId), "any", [rawEvent(type, { ...claim, orderId, [stamp]: at })]);
}
