import { describe, expect, it } from "vitest";
import pino from "pino";
import { newId } from "@surge/platform/ids";
import { RedisLocks } from "@surge/platform/redis/lock";
import { KeyedQueue } from "@surge/platform/command/keyed-queue";
import { loadOrder } from "@surge/areas/orders/place";
import { orderStream } from "@surge/areas/orders/events";
import { GatewayClient, type PgPayment } from "@surge/areas/payments/gateway-client";
import { PaymentSettler, RELEASE_UNSUBMITTED_AFTER_MS, SETTLE_AFTER_MS } from "@surge/areas/payments/settle-job";
import { PaymentCompensation, PAYMENT_COMPENSATION_CHECKPOINT } from "@surge/areas/payments/compensation-job";
import { RetryBook } from "@surge/areas/payments/retries";
import { StockGuard } from "@surge/areas/sales/stock-guard";
import { cardOrderEvents } from "@surge/testkit/payment-events";
import { useGatewayStub } from "../gateway-stub.js";

const logger = pino({ level: "silent" });
const AMOUNT = 30_000;
const { ctx, gw } = useGatewayStub();

/** A card payment requested (as command-api appends it) and, if `transactionKey`, accepted by the gateway. */
async function requested(transactionKey?: string) {
  const orderId = newId();
  const paymentId = newId();
  const now = new Date();
  const { events } = cardOrderEvents({ orderId, paymentId, amount: AMOUNT, at: now, expiresAt: new Date(now.getTime() + 600_000), transactionKey });
  await ctx.store.append(orderStream(orderId), "any", events);
  return { orderId, paymentId, at: now.getTime() };
}

const gatewayPayment = (o: { orderId: string; paymentId: string }, p: Partial<PgPayment>): PgPayment => ({
  transactionKey: "tx_1",
  orderId: o.orderId,
  paymentId: o.paymentId,
  amount: AMOUNT,
  status: "SUCCESS",
  ...p,
});

function settlerFor(...orderIds: string[]) {
  const counts = { mismatches: 0, released: 0, settled: 0 };
  const settler = new PaymentSettler(ctx.store, new GatewayClient({ baseUrl: gw.url, maxAttempts: 0 }), new RedisLocks(ctx.redis), logger, {
    onMismatch: () => counts.mismatches++,
    onReleased: () => counts.released++,
    onSettled: () => counts.settled++,
  });
  return {
    counts,
    settler,
    /** The settler's start: its index rebuilt from the orders' events. */
    load: async () => {
      for (const id of orderIds) await settler.handle(await ctx.store.readStream(orderStream(id)), false);
      await settler.handle([], true);
    },
  };
}

const typesOf = async (orderId: string) => (await ctx.store.readStream(orderStream(orderId))).map((e) => e.type);

describe("a gateway status that is not the submitted payment's", () => {
  it("another amount: not applied, logged and counted; the order stays unpaid", async () => {
    const o = await requested("tx_1");
    gw.payments.set(o.orderId, [gatewayPayment(o, { amount: AMOUNT - 1 })]);
    const { settler, load, counts } = settlerFor(o.orderId);
    await load();
    await settler.tick(o.at + SETTLE_AFTER_MS + 1_000);
    expect(counts).toEqual({ mismatches: 1, released: 0, settled: 0 });
    expect(await typesOf(o.orderId)).toEqual(["OrderPlaced", "PaymentRequested", "PaymentSubmitted"]);
    expect((await loadOrder(ctx.store, o.orderId)).state).toMatchObject({ status: "PENDING_PAYMENT", payment: { status: "PENDING" } });
    // Not asked about again every round.
    expect(settler.pendingCount()).toBe(0);
  });

  it("another transaction key than the one the gateway accepted: not applied", async () => {
    const o = await requested("tx_accepted");
    gw.payments.set(o.orderId, [gatewayPayment(o, { transactionKey: "tx_other" })]);
    const { settler, load, counts } = settlerFor(o.orderId);
    await load();
    await settler.tick(o.at + SETTLE_AFTER_MS + 1_000);
    expect(counts.mismatches).toBe(1);
    expect(await typesOf(o.orderId)).toEqual(["OrderPlaced", "PaymentRequested", "PaymentSubmitted"]);
  });

  it("the same amount and key: settled", async () => {
    const o = await requested("tx_1");
    gw.payments.set(o.orderId, [gatewayPayment(o, {})]);
    const { settler, load, counts } = settlerFor(o.orderId);
    await load();
    await settler.tick(o.at + SETTLE_AFTER_MS + 1_000);
    expect(counts).toEqual({ mismatches: 0, released: 0, settled: 1 });
    expect(await typesOf(o.orderId)).toEqual(["OrderPlaced", "PaymentRequested", "PaymentSubmitted", "PaymentSucceeded", "OrderPaid"]);
  });
});

describe("a card submission lost in a crash (requested, never submitted)", () => {
  it("is released once it is old enough, and its order is compensated instead of waiting for expiry", async () => {
    const o = await requested();
    gw.payments.set(o.orderId, []);
    const { settler, load, counts } = settlerFor(o.orderId);
    await load();
    // Young: its submitter may still be retrying.
    await settler.tick(o.at + SETTLE_AFTER_MS + 1_000);
    expect(await typesOf(o.orderId)).toEqual(["OrderPlaced", "PaymentRequested"]);

    await settler.tick(o.at + RELEASE_UNSUBMITTED_AFTER_MS + 1_000);
    expect(counts.released).toBe(1);
    const events = await ctx.store.readStream(orderStream(o.orderId));
    expect(events.map((e) => e.type)).toEqual(["OrderPlaced", "PaymentRequested", "PaymentFailed"]);
    expect(events[2]!.data).toMatchObject({ paymentId: o.paymentId, reason: "SUBMISSION_LOST" });

    const stock = new StockGuard(ctx.redis, ctx.store, { reservationTtlMs: 30_000 }, logger);
    const compensation = new PaymentCompensation(
      ctx.db,
      { store: ctx.store, stock, wallets: new KeyedQueue() },
      logger,
      new RetryBook(ctx.db, PAYMENT_COMPENSATION_CHECKPOINT),
    );
    await compensation.handle(events);
    expect((await loadOrder(ctx.store, o.orderId)).state).toMatchObject({ status: "CANCELLED", cancelReason: "PAYMENT_FAILED" });
  });

  it("that the gateway did receive is recorded as submitted, never released, and settled when final", async () => {
    const o = await requested();
    gw.payments.set(o.orderId, [gatewayPayment(o, { transactionKey: "tx_late", status: "PENDING" })]);
    const { settler, load, counts } = settlerFor(o.orderId);
    await load();
    await settler.tick(o.at + RELEASE_UNSUBMITTED_AFTER_MS + 1_000);
    expect(await typesOf(o.orderId)).toEqual(["OrderPlaced", "PaymentRequested", "PaymentSubmitted"]);
    expect(counts.released).toBe(0);

    gw.payments.set(o.orderId, [gatewayPayment(o, { transactionKey: "tx_late", status: "SUCCESS" })]);
    await settler.tick(o.at + RELEASE_UNSUBMITTED_AFTER_MS + 2_000);
    expect(await typesOf(o.orderId)).toEqual(["OrderPlaced", "PaymentRequested", "PaymentSubmitted", "PaymentSucceeded", "OrderPaid"]);
  });
});
