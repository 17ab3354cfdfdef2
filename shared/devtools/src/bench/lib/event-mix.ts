import { randomUUID } from "node:crypto";
import type { MysqlEventStore } from "@surge/platform/eventstore/mysql-event-store";
import type { NewEvent, StreamAppend } from "@surge/platform/eventstore/types";
import { rawEvent, type RawEventOptions } from "@surge/testkit/raw-event";

/**
 * A realistic stored log for projection benchmarks, appended through the real store (group
 * commit, hash chain): one coupon drop, one three-deal sale, orders of which most are paid by
 * points or card and some cancelled, and wallet charges. Event times are spread over a week.
 */
export async function seedEventMix(store: MysqlEventStore, target: number, onProgress: (n: number) => void): Promise<number> {
  const start = Date.parse("2026-11-16T00:00:00.000Z");
  const at = (n: number) => new Date(start + n * 3000).toISOString();
  const ev = (n: number, type: string, data: unknown, opts: RawEventOptions = {}): NewEvent =>
    rawEvent(type, data, { at: at(n), correlationId: `bench-${n}`, userId: "bench", ...opts });
  let n = 0;
  const parts: StreamAppend[] = [];
  const flush = async () => {
    const chunk = parts.splice(0);
    await Promise.all(chunk.map((p) => store.appendMulti([p])));
    n += chunk.reduce((k, p) => k + p.events.length, 0);
    onProgress(n);
  };
  const push = async (p: StreamAppend) => {
    parts.push(p);
    if (parts.length >= 400) await flush();
  };

  const couponId = randomUUID();
  const coupon = {
    couponId,
    name: "bench",
    discount: { type: "FIXED", amount: 1000 },
    quantity: 10_000_000,
    perUserLimit: 1,
    minOrderAmount: 0,
    claimOpensAt: at(0),
    claimClosesAt: null,
    validUntil: null,
  };
  await push({ streamId: `coupon-${couponId}`, expected: "no_stream", events: [ev(0, "CouponCreated", coupon)] });
  const eventId = randomUUID();
  const deals = [0, 1, 2].map((i) => ({
    dealId: `${eventId}-d${i + 1}`,
    productId: randomUUID(),
    productName: `P${i + 1}`,
    salePrice: 9_900 + i * 1000,
    stock: 10_000_000,
    perUserLimit: 10_000_000,
  }));
  for (const d of deals)
    await push({
      streamId: `product-${d.productId}`,
      expected: "no_stream",
      events: [ev(0, "ProductCreated", { productId: d.productId, name: d.productName, price: 20_000 })],
    });
  await push({
    streamId: `event-${eventId}`,
    expected: "no_stream",
    events: [
      ev(0, "EventScheduled", { eventId, name: "bench", opensAt: at(0), closesAt: null, deals, goods: null }),
      ev(0, "EventOpened", { eventId, openedAt: at(0), forced: false }),
    ],
  });
  await flush();

  for (let i = 0; n + parts.reduce((k, p) => k + p.events.length, 0) < target; i++) {
    const t = i;
    if (i % 5 === 0) {
      const claimId = randomUUID();
      const claimed = ev(t, "CouponClaimed", { couponId, claimId, userId: `u${i}`, claimedAt: at(t), expiresAt: null }, { eventId: claimId });
      await push({ streamId: `coupon-${couponId}`, expected: "any", events: [claimed] });
    }
    if (i % 4 === 0) {
      await push({
        streamId: `wallet-u${i}`,
        expected: "any",
        events: [ev(t, "WalletCharged", { userId: `u${i}`, chargeId: randomUUID(), amount: 50_000, balance: 50_000 + i, chargedAt: at(t) })],
      });
    }
    const orderId = randomUUID();
    const d = deals[i % 3]!;
    const items = [{ dealId: d.dealId, productId: d.productId, productName: d.productName, quantity: 1, unitPrice: d.salePrice, lineAmount: d.salePrice }];
    const ref = { orderId, eventId };
    const placed = {
      ...ref,
      userId: `u${i}`,
      items,
      totalAmount: d.salePrice,
      discountAmount: 0,
      payableAmount: d.salePrice,
      couponClaimId: null,
      couponId: null,
      placedAt: at(t),
      expiresAt: at(t + 200),
    };
    const events: NewEvent[] = [ev(t, "OrderPlaced", placed, { tag: `event:${eventId}`, eventId: orderId })];
    if (i % 10 < 6) {
      const paymentId = randomUUID();
      const method = i % 2 ? "CARD" : "POINTS";
      events.push(
        ev(
          t + 1,
          "PaymentRequested",
          { ...ref, paymentId, method, amount: d.salePrice, card: method === "CARD" ? { type: "KB", last4: "3456" } : null, requestedAt: at(t + 1) },
          { tag: `event:${eventId}` },
        ),
        ev(t + 2, "PaymentSucceeded", { ...ref, paymentId, amount: d.salePrice, transactionKey: null, succeededAt: at(t + 2) }, { tag: `event:${eventId}` }),
        ev(t + 2, "OrderPaid", { ...ref, userId: `u${i}`, paymentId, items, payableAmount: d.salePrice, paidAt: at(t + 2) }, { tag: `event:${eventId}` }),
      );
    } else if (i % 10 === 6) {
      events.push(ev(t + 1, "OrderCancelled", { ...ref, reason: "USER", cancelledAt: at(t + 1) }, { tag: `event:${eventId}` }));
    }
    await push({ streamId: `order-${orderId}`, expected: "no_stream", events });
  }
  await flush();
  return n;
}
