import { randomUUID } from "node:crypto";
import type { EventStore, NewEvent, StreamAppend } from "@surge/platform/eventstore/types";
import { rawEvent, type RawEventOptions } from "./raw-event.js";

/** A small seeded PRNG (mulberry32): the same log every run, so a failure reproduces. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Step = { streamId: string; event: NewEvent };

/**
 * A realistic, deliberately tangled log for batch-vs-event-by-event tests: many order lives in
 * flight at once (so one batch holds an order placed and paid, paid then cancelled and refunded,
 * a claim reserved then released), points and card payments, failures, expiries, goods steps,
 * repeated endings, wallet charges, and times crossing days, weeks and a month in Asia/Seoul.
 * Halfway a second coupon, product and sale appear (each first referred to by an event placed just
 * before the one that creates it), and at the end the first sale closes and is opened again.
 */
export async function appendMixedLog(store: EventStore, target: number, seed = 7): Promise<number> {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const start = Date.parse("2026-10-24T10:00:00.000Z");
  let clock = 0;
  const at = () => new Date(start + (clock += 1 + Math.floor(rnd() * 900)) * 1000).toISOString();
  const ev = (type: string, data: unknown, extra: RawEventOptions = {}): NewEvent => rawEvent(type, data, { ...extra, at: at() });

  let appended = 0;
  let chunk: StreamAppend[] = [];
  const flush = async () => {
    if (chunk.length === 0) return;
    await store.appendMulti(chunk);
    appended += chunk.reduce((n, p) => n + p.events.length, 0);
    chunk = [];
  };
  // One stream at most once per appendMulti, and appends awaited in turn: log order = step order.
  const emit = async ({ streamId, event }: Step) => {
    if (chunk.some((p) => p.streamId === streamId)) await flush();
    chunk.push({ streamId, expected: "any", events: [event] });
  };

  const couponCreated = (couponId: string): Step => ({
    streamId: `coupon-${couponId}`,
    event: ev("CouponCreated", {
      couponId,
      name: "mix",
      discount: { type: "FIXED", amount: 1000 },
      quantity: 1_000_000,
      perUserLimit: 1_000_000,
      minOrderAmount: 0,
      claimOpensAt: at(),
      claimClosesAt: null,
      validUntil: null,
    }),
  });
  const couponIds = [randomUUID()];
  await emit(couponCreated(couponIds[0]!));
  type Sale = {
    saleId: string;
    deals: Array<{ dealId: string; productId: string; productName: string; salePrice: number; stock: number; perUserLimit: number }>;
  };
  const newSale = (name: string): Sale => {
    const saleId = randomUUID();
    return {
      saleId,
      deals: [0, 1, 2, 3].map((i) => ({
        dealId: `${saleId}-d${i}`,
        productId: randomUUID(),
        productName: `${name} ${i}`,
        salePrice: 5_000 + i * 2_500,
        stock: 1_000_000,
        perUserLimit: 1_000_000,
      })),
    };
  };
  const productCreated = (d: Sale["deals"][number]): Step => ({
    streamId: `product-${d.productId}`,
    event: ev("ProductCreated", { productId: d.productId, name: d.productName, price: 20_000 }),
  });
  const saleStep = (sale: Sale, type: string, data: object): Step => ({ streamId: `event-${sale.saleId}`, event: ev(type, { eventId: sale.saleId, ...data }) });
  const scheduled = (sale: Sale, name: string) =>
    saleStep(sale, "EventScheduled", { name, opensAt: at(), closesAt: null, deals: sale.deals, goods: { name: "gift", quantity: 1_000_000 } });
  const opened = (sale: Sale) => saleStep(sale, "EventOpened", { openedAt: at(), forced: false });
  const sales = [newSale("Mix")];
  for (const d of sales[0]!.deals) await emit(productCreated(d));
  await emit(scheduled(sales[0]!, "mix"));
  await emit(opened(sales[0]!));

  const users = Array.from({ length: 40 }, (_, i) => `mix-u${i}`);
  const balances = new Map(users.map((u) => [u, 0]));
  const claims: Array<{ claimId: string; couponId: string }> = [];
  /** Each live order is a queue of steps still to come; the loop advances a random one. */
  const lives: Step[][] = [];
  const claimed = (couponId: string, claimId = randomUUID()): Step => {
    claims.push({ claimId, couponId });
    return {
      streamId: `coupon-${couponId}`,
      event: ev("CouponClaimed", { couponId, claimId, userId: pick(users), claimedAt: at(), expiresAt: null }, { eventId: claimId }),
    };
  };

  const orderLife = (sale = pick(sales)): Step[] => {
    const { saleId, deals } = sale;
    const orderId = randomUUID();
    const userId = pick(users);
    const ref = { orderId, eventId: saleId };
    const order = (type: string, data: object, extra: RawEventOptions = {}): Step => ({
      streamId: `order-${orderId}`,
      event: ev(type, { ...ref, ...data }, { tag: `event:${saleId}`, ...extra }),
    });
    const lines = [pick(deals), ...(rnd() < 0.3 ? [pick(deals)] : [])].filter((d, i, all) => all.indexOf(d) === i);
    const items = lines.map((d) => {
      const quantity = 1 + Math.floor(rnd() * 3);
      return { dealId: d.dealId, productId: d.productId, productName: d.productName, quantity, unitPrice: d.salePrice, lineAmount: d.salePrice * quantity };
    });
    const total = items.reduce((n, l) => n + l.lineAmount, 0);
    const claim = rnd() < 0.25 ? claims.shift() : undefined;
    const discount = claim ? 1000 : 0;
    const payable = total - discount;
    const steps: Step[] = [
      order(
        "OrderPlaced",
        {
          userId,
          items,
          totalAmount: total,
          discountAmount: discount,
          payableAmount: payable,
          couponClaimId: claim?.claimId ?? null,
          couponId: claim?.couponId ?? null,
          placedAt: at(),
          expiresAt: at(),
        },
        { eventId: orderId },
      ),
    ];
    const claimStep = (type: string, stamp: string): Step => ({ streamId: `claim-${claim!.claimId}`, event: ev(type, { ...claim!, orderId, [stamp]: at() }) });
    if (claim) steps.push(claimStep("CouponClaimReserved", "reservedAt"));
    const release = () => (claim ? [claimStep("CouponClaimReleased", "releasedAt")] : []);
    const r = rnd();
    if (r < 0.12)
      return [
        ...steps,
        order("OrderCancelled", { reason: "USER", cancelledAt: at() }),
        ...release(),
        ...(rnd() < 0.3 ? [order("OrderExpired", { expiredAt: at() })] : []),
      ];
    if (r < 0.2)
      return [
        ...steps,
        order("OrderExpired", { expiredAt: at() }),
        ...release(),
        ...(rnd() < 0.3 ? [order("OrderCancelled", { reason: "ADMIN", cancelledAt: at() })] : []),
      ];
    if (r < 0.27) return steps; // still pending at the end of the log
    const paymentId = randomUUID();
    const points = rnd() < 0.4;
    steps.push(
      order("PaymentRequested", {
        paymentId,
        method: points ? "POINTS" : "CARD",
        amount: payable,
        card: points ? null : { type: "KB", last4: "3456" },
        requestedAt: at(),
      }),
    );
    const wallet = (type: string, amount: number, stamp: string): Step => {
      const balance = Math.max(0, (balances.get(userId) ?? 0) + (type === "PointsDebited" ? -amount : amount));
      balances.set(userId, balance);
      return { streamId: `wallet-${userId}`, event: ev(type, { userId, orderId, paymentId, amount, balance, [stamp]: at() }) };
    };
    if (rnd() < 0.1)
      return [
        ...steps,
        order("PaymentFailed", { paymentId, reason: "DECLINED", failedAt: at() }),
        order("OrderCancelled", { reason: "PAYMENT_FAILED", cancelledAt: at() }),
        ...release(),
      ];
    if (points) steps.push(wallet("PointsDebited", payable, "debitedAt"));
    steps.push(order("PaymentSucceeded", { paymentId, amount: payable, transactionKey: points ? null : randomUUID(), succeededAt: at() }));
    steps.push(order("OrderPaid", { userId, paymentId, items, payableAmount: payable, paidAt: at() }));
    if (claim) steps.push(claimStep("CouponClaimUsed", "usedAt"));
    const end = rnd();
    const refund = [
      order("PaymentRefunded", { paymentId, amount: payable, refundedAt: at() }),
      ...(points ? [wallet("PointsRefunded", payable, "refundedAt")] : []),
    ];
    if (end < 0.12) return [...steps, order("OrderCancelled", { reason: "ADMIN", cancelledAt: at() }), ...refund];
    if (end < 0.17) return [...steps, ...refund, order("OrderCancelled", { reason: "ADMIN", cancelledAt: at() })];
    if (end < 0.3)
      return [
        ...steps,
        order("GoodsAllocated", { name: "gift", allocatedAt: at() }),
        order("GoodsShipped", { trackingNo: "T1", shippedAt: at() }),
        order("GoodsDelivered", { deliveredAt: at() }),
      ];
    if (end < 0.35)
      return [
        ...steps,
        order("GoodsAllocated", { name: "gift", allocatedAt: at() }),
        order("GoodsReleased", { releasedAt: at() }),
        order("OrderCancelled", { reason: "ADMIN", cancelledAt: at() }),
        ...refund,
      ];
    return steps;
  };

  /** Rows referred to just before they are created: each projection must treat those events alike, alone or in a run. */
  const secondHalf = async () => {
    const couponId = randomUUID();
    const claimId = randomUUID();
    await emit({ streamId: `claim-${claimId}`, event: ev("CouponClaimReserved", { claimId, couponId, orderId: "early", reservedAt: at() }) });
    await emit(claimed(couponId, claimId));
    await emit(couponCreated(couponId));
    couponIds.push(couponId);
    const sale = newSale("Later");
    for (const d of sale.deals) await emit(productCreated(d));
    const early = orderLife(sale);
    const placedEarly = early.shift()!;
    await emit(placedEarly);
    const { orderId } = placedEarly.event.data as { orderId: string };
    await emit({ streamId: placedEarly.streamId, event: ev("GoodsAllocated", { orderId, eventId: sale.saleId, name: "gift", allocatedAt: at() }) });
    await emit(opened(sale));
    await emit(scheduled(sale, "later"));
    await emit(opened(sale));
    if (early.length > 0) lives.push(early);
    sales.push(sale);
  };

  let emitted = 0;
  while (emitted < target) {
    if (emitted === Math.floor(target / 2) && sales.length === 1) await secondHalf();
    const r = rnd();
    if (r < 0.12) {
      await emit(claimed(pick(couponIds)));
    } else if (r < 0.2) {
      const userId = pick(users);
      const balance = (balances.get(userId) ?? 0) + 50_000;
      balances.set(userId, balance);
      await emit({ streamId: `wallet-${userId}`, event: ev("WalletCharged", { userId, chargeId: randomUUID(), amount: 50_000, balance, chargedAt: at() }) });
    } else if (r < 0.35 || lives.length === 0) {
      lives.push(orderLife());
      continue;
    } else {
      const i = Math.floor(rnd() * lives.length);
      const step = lives[i]!.shift()!;
      if (lives[i]!.length === 0) lives.splice(i, 1);
      await emit(step);
    }
    emitted++;
  }
  // Closed with orders still in flight; opening it again changes nothing.
  await emit(saleStep(sales[0]!, "EventClosed", { closedAt: at(), forced: false }));
  await emit(opened(sales[0]!));
  for (const life of lives) for (const step of life) await emit(step);
  await flush();
  return appended;
}
