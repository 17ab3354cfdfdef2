import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { sql } from "kysely";
import { loadOrder } from "@surge/areas/orders/place";
import { readCheckpoint } from "@surge/platform/db/checkpoints";
import { type LiveOrder } from "@surge/areas/orders/order";
import { bearer, http } from "@surge/testkit/http";
import { createTestContext, type TestContext } from "@surge/testkit/context";
import { testEnv } from "@surge/testkit/env";
import type { CommandApi } from "@surge/command-api/start";
import { readEnv as readPgEnv } from "@surge/devtools/pg-simulator/env";
import { startPgSimulator, type PgSimulator } from "@surge/devtools/pg-simulator/start";
import type { PgSimConfigPatch } from "@surge/devtools/pg-simulator/config";
import { GOODS_ALLOCATION_CHECKPOINT } from "@surge/areas/goods/allocation-job";
import { PAYMENT_COMPENSATION_CHECKPOINT } from "@surge/areas/payments/compensation-job";
import { REFUND_CHECKPOINT } from "@surge/areas/payments/refund-job";
import type { Batch } from "@surge/batch/start";
import { claim, createCoupon, startApi } from "../command-harness.js";
import { createSale, order } from "@surge/testkit/sales";
import { batchCounter, eventsOfType, startTestBatch, waitForEvent } from "../batch-harness.js";
import { waitFor } from "@surge/testkit/wait";

const SECRET = "batch-pg-test-secret-0123456789";
/** Short delays, everything succeeds: each test changes what it needs. */
const BASE: PgSimConfigPatch = {
  requestFailureRate: 0,
  limitExceededRate: 0,
  invalidCardRate: 0,
  minDelayMs: 50,
  maxDelayMs: 300,
  requestMinDelayMs: 0,
  requestMaxDelayMs: 20,
  callbacks: true,
  callbackRepeat: 1,
};
const CARD = { method: "CARD", card: { type: "KB", number: "1234-5678-9012-3456" } };

let ctx: TestContext;
let sim: PgSimulator;
let api: CommandApi;
let batch: Batch;
let admin: string;
let keys = 0;

const gatewayEnv = () => ({ PG_BASE_URL: sim.url, PG_WEBHOOK_SECRET: SECRET });

beforeAll(async () => {
  ctx = await createTestContext();
  sim = await startPgSimulator(readPgEnv({ PG_SIMULATOR_PORT: "0", PG_WEBHOOK_SECRET: SECRET, LOG_LEVEL: testEnv.logLevel, PG_SIM_SEED: "7" }), {
    callbackRetry: { baseDelayMs: 50, timeoutMs: 2000 },
  });
  api = await startApi(ctx, gatewayEnv());
  batch = await startTestBatch(ctx, { PG_BASE_URL: sim.url, PAYMENT_SETTLE_INTERVAL_S: "1" });
  admin = await ctx.token("admin1", "admin");
});
beforeEach(async () => {
  await configure({});
});
afterAll(async () => {
  await batch?.stop();
  await api?.stop();
  await sim?.stop();
  await ctx?.close();
});

async function configure(patch: PgSimConfigPatch) {
  const res = await http("PUT", `${sim.url}/config`, { body: { ...BASE, ...patch } });
  expect(res.status).toBe(200);
}

const pay = (token: string, orderId: string, body: object, on = api) =>
  http("POST", `${on.url}/orders/${orderId}/payments`, { headers: { ...bearer(token), "idempotency-key": `pay-${++keys}` }, body });

async function charge(token: string, amount: number) {
  const res = await http("POST", `${api.url}/wallet/charges`, { headers: { ...bearer(token), "idempotency-key": `charge-${++keys}` }, body: { amount } });
  expect(res.status).toBe(200);
}

async function placed(token: string, dealId: string, extra: Record<string, unknown> = {}, on = api): Promise<string> {
  const res = await order(on.url, token, [{ dealId, quantity: 2 }], extra);
  expect(res.status).toBe(201);
  return res.body.orderId as string;
}

async function stateOf(orderId: string): Promise<LiveOrder> {
  const { state } = await loadOrder(ctx.store, orderId);
  if (state.status === "absent") throw new Error(`order ${orderId} not found`);
  return state;
}

const waitForState = (orderId: string, what: string, ok: (s: LiveOrder) => boolean, timeoutMs = 10_000) =>
  waitFor(
    `order ${orderId}: ${what}`,
    async () => {
      const s = await stateOf(orderId);
      return ok(s) ? s : null;
    },
    timeoutMs,
  );

const types = async (orderId: string) => (await ctx.store.readStream(`order-${orderId}`)).map((e) => e.type);
const count = (list: string[], type: string) => list.filter((t) => t === type).length;

describe("card payments", () => {
  it("a decline (callback repeated 3 times) cancels the order once: stock and coupon back exactly once; replaying changes nothing", async () => {
    await configure({ limitExceededRate: 1, callbackRepeat: 3 });
    const user = await ctx.token("declined");
    const coupon = await createCoupon(api.url, admin, { quantity: 10 });
    const claimed = await claim(api.url, coupon.couponId, user);
    expect(claimed.status).toBe(201);
    const claimId: string = claimed.body.claimId;
    const sale = await createSale(api.url, admin, { deals: [{ price: 9_900, stock: 5 }] });
    const dealId = sale.deals[0]!.dealId;
    const orderId = await placed(user, dealId, { couponClaimId: claimId });
    expect(await api.stock.remaining(sale.eventId)).toEqual({ [dealId]: 3 });

    const res = await pay(user, orderId, CARD);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ method: "CARD", status: "PENDING" });

    const cancelled = await waitForState(orderId, "cancelled", (s) => s.status === "CANCELLED");
    expect(cancelled.cancelReason).toBe("PAYMENT_FAILED");
    expect(cancelled.payment).toMatchObject({ paymentId: res.body.paymentId, status: "FAILED" });
    const event = await waitForEvent(ctx, `order-${orderId}`, "OrderCancelled");
    expect(event.metadata.userId).toBe("system:payment-compensation");
    await waitFor("stock back", async () => (await api.stock.remaining(sale.eventId))[dealId] === 5, 3_000);

    // Every repeat of the callback has been answered, and the compensation has read all they appended.
    await sim.gateway.idle();
    const head = await ctx.store.headPosition();
    await waitFor("the compensation to read every repeat", () => (batch.positions()[PAYMENT_COMPENSATION_CHECKPOINT] ?? 0) >= head);
    const after = await types(orderId);
    expect(count(after, "PaymentFailed")).toBe(1);
    expect(count(after, "OrderCancelled")).toBe(1);
    expect(await eventsOfType(ctx, `claim-${claimId}`, "CouponClaimReleased")).toHaveLength(1);
    expect(await api.stock.remaining(sale.eventId)).toEqual({ [dealId]: 5 });

    // A second batch process replaying every PaymentFailed from the start changes nothing.
    const claimEvents = (await ctx.store.readStream(`claim-${claimId}`)).length;
    await sql`DELETE FROM projection_checkpoints WHERE name = ${PAYMENT_COMPENSATION_CHECKPOINT}`.execute(ctx.db);
    const again = await startTestBatch(ctx, { PG_BASE_URL: sim.url });
    try {
      await waitFor("the replay", async () => (again.positions()[PAYMENT_COMPENSATION_CHECKPOINT] ?? 0) >= event.position, 5_000);
    } finally {
      await again.stop();
    }
    expect(await types(orderId)).toEqual(after);
    expect((await ctx.store.readStream(`claim-${claimId}`)).length).toBe(claimEvents);
    expect(await api.stock.remaining(sale.eventId)).toEqual({ [dealId]: 5 });
  });

  it("while the gateway fails every request the payment stays PENDING; once it recovers the payment succeeds", async () => {
    await configure({ requestFailureRate: 1 });
    const user = await ctx.token("patient");
    const sale = await createSale(api.url, admin, { deals: [{ price: 1_000, stock: 5 }] });
    const orderId = await placed(user, sale.deals[0]!.dealId);
    const refused = sim.gateway.refusedRequests();
    expect((await pay(user, orderId, CARD)).status).toBe(202);

    // More refusals than one submission's retries make (four): the submitter has handled a refused
    // submission and submitted again, and the payment is still PENDING.
    await waitFor("five refused requests", () => sim.gateway.refusedRequests() >= refused + 5);
    const waiting = await stateOf(orderId);
    expect(waiting.status).toBe("PENDING_PAYMENT");
    expect(waiting.payment?.status).toBe("PENDING");

    await configure({ requestFailureRate: 0 });
    const paid = await waitForState(orderId, "paid", (s) => s.status === "PAID", 20_000);
    expect(paid.payment?.status).toBe("SUCCEEDED");
  });

  it("settles from the gateway's status a payment whose callback never comes", async () => {
    await configure({ callbacks: false });
    const user = await ctx.token("no-callback");
    const sale = await createSale(api.url, admin, { deals: [{ price: 1_000, stock: 5 }] });
    const orderId = await placed(user, sale.deals[0]!.dealId);
    expect((await pay(user, orderId, CARD)).status).toBe(202);

    const paid = await waitForState(orderId, "paid", (s) => s.status === "PAID", 15_000);
    expect(paid.payment?.status).toBe("SUCCEEDED");
    const succeeded = await waitForEvent(ctx, `order-${orderId}`, "PaymentSucceeded");
    expect(succeeded.metadata.userId).toBe("system:payment-settle");
  });

  it("settles a decline whose callback never comes, then compensates it", async () => {
    await configure({ callbacks: false, invalidCardRate: 1 });
    const user = await ctx.token("no-callback-declined");
    const sale = await createSale(api.url, admin, { deals: [{ price: 1_000, stock: 5 }] });
    const dealId = sale.deals[0]!.dealId;
    const orderId = await placed(user, dealId);
    expect((await pay(user, orderId, CARD)).status).toBe(202);

    const cancelled = await waitForState(orderId, "cancelled", (s) => s.status === "CANCELLED", 15_000);
    expect(cancelled).toMatchObject({ cancelReason: "PAYMENT_FAILED", payment: { status: "FAILED" } });
    await waitFor("stock back", async () => (await api.stock.remaining(sale.eventId))[dealId] === 5, 3_000);
  });

  it("refunds a success that arrives after the order expired", async () => {
    const shortApi = await startApi(ctx, { ...gatewayEnv(), ORDER_PAYMENT_TTL_S: "1" });
    try {
      await configure({ minDelayMs: 3500, maxDelayMs: 4000 });
      const user = await ctx.token("too-slow");
      const sale = await createSale(api.url, admin, { deals: [{ price: 1_000, stock: 5 }] });
      const orderId = await placed(user, sale.deals[0]!.dealId, {}, shortApi);
      expect((await pay(user, orderId, CARD, shortApi)).status).toBe(202);

      await waitForState(orderId, "expired", (s) => s.status === "EXPIRED", 5_000);
      const refunded = await waitForState(orderId, "refunded", (s) => s.payment?.status === "REFUNDED", 15_000);
      expect(refunded.status).toBe("EXPIRED");
      const list = await types(orderId);
      expect(list).not.toContain("OrderPaid");
      expect(count(list, "PaymentSucceeded")).toBe(1);
      expect(count(list, "PaymentRefunded")).toBe(1);
      const recorded = await waitForEvent(ctx, `order-${orderId}`, "PaymentRefunded");
      expect(recorded.metadata.userId).toBe("system:refund");

      const gw = await http("GET", `${sim.url}/payments/${refunded.payment!.transactionKey}`);
      expect(gw.body).toMatchObject({ paymentId: refunded.payment!.paymentId, status: "REFUNDED" });
    } finally {
      await shortApi.stop();
    }
  });

  it("refunds through the gateway a paid card order its user cancels", async () => {
    const user = await ctx.token("regret");
    const sale = await createSale(api.url, admin, { deals: [{ price: 1_000, stock: 5 }] });
    const orderId = await placed(user, sale.deals[0]!.dealId);
    expect((await pay(user, orderId, CARD)).status).toBe(202);
    const paid = await waitForState(orderId, "paid", (s) => s.status === "PAID");

    const cancelled = await http("POST", `${api.url}/orders/${orderId}/cancel`, { headers: bearer(user) });
    expect(cancelled.status).toBe(200);
    const refunded = await waitForState(orderId, "refunded", (s) => s.payment?.status === "REFUNDED");
    expect(refunded.status).toBe("CANCELLED");
    const gw = await http("GET", `${sim.url}/payments/${paid.payment!.transactionKey}`);
    expect(gw.body).toMatchObject({ status: "REFUNDED" });
  });

  it("a refund the gateway cannot take is booked for retries with back-off, without holding the log back; it completes once the gateway is back", async () => {
    const user = await ctx.token("unlucky");
    const sale = await createSale(api.url, admin, { deals: [{ price: 1_000, stock: 5 }] });
    const orderId = await placed(user, sale.deals[0]!.dealId);
    expect((await pay(user, orderId, CARD)).status).toBe(202);
    await waitForState(orderId, "paid", (s) => s.status === "PAID");

    await batch.stop();
    const retrySoon = { PAYMENT_RETRY_INTERVAL_S: "1", PAYMENT_RETRY_BASE_S: "1" };
    // Nothing listens there: every refund call fails.
    const down = await startTestBatch(ctx, { PG_BASE_URL: "http://127.0.0.1:9", PG_TIMEOUT_MS: "200", ...retrySoon });
    try {
      const cancelled = await http("POST", `${api.url}/orders/${orderId}/cancel`, { headers: bearer(user) });
      expect(cancelled.status).toBe(200);
      const position = Number(cancelled.headers["x-position"]);
      // Failed twice: the first try and a retry round.
      await waitFor(
        "two failed refund attempts",
        async () => (await batchCounter(down, admin, "batch_payment_retries_total", { job: REFUND_CHECKPOINT })) >= 2,
      );
      expect((await stateOf(orderId)).payment?.status).toBe("SUCCEEDED");
      // The refunds after it are not held back by it.
      expect(down.positions()[REFUND_CHECKPOINT]).toBeGreaterThanOrEqual(position);
      expect(await readCheckpoint(ctx.db, REFUND_CHECKPOINT)).toBeGreaterThanOrEqual(position);
    } finally {
      await down.stop();
      batch = await startTestBatch(ctx, { PG_BASE_URL: sim.url, PAYMENT_SETTLE_INTERVAL_S: "1", ...retrySoon });
    }
    await waitForState(orderId, "refunded", (s) => s.payment?.status === "REFUNDED", 15_000);
  });

  it("two concurrent pay requests on one order start exactly one payment", async () => {
    const user = await ctx.token("double-click");
    const sale = await createSale(api.url, admin, { deals: [{ price: 1_000, stock: 5 }] });
    const orderId = await placed(user, sale.deals[0]!.dealId);
    const results = await Promise.all([pay(user, orderId, CARD), pay(user, orderId, CARD)]);
    expect(results.map((r) => r.status).sort()).toEqual([202, 409]);
    expect(results.find((r) => r.status === 409)!.body).toMatchObject({ code: "ORDER_NOT_PAYABLE" });
    expect(count(await types(orderId), "PaymentRequested")).toBe(1);
    await waitForState(orderId, "paid", (s) => s.status === "PAID");
  });
});

describe("goods", () => {
  it("the first two orders to be paid get the goods; a cancelled one's unit goes to the next payer", async () => {
    const sale = await createSale(api.url, admin, { deals: [{ price: 1_000, stock: 20 }], goods: { name: "Tote bag", quantity: 2 } });
    const dealId = sale.deals[0]!.dealId;
    const buyers = await Promise.all(["g1", "g2", "g3", "g4", "g5"].map((u) => ctx.token(u)));
    for (const token of buyers) await charge(token, 10_000);
    // Placed in one order, paid in another: payment order is what counts.
    const orders = await Promise.all(buyers.map((token) => placed(token, dealId)));
    const payOrder = [3, 1, 0, 2];
    let lastPaid = 0;
    for (const i of payOrder) {
      const res = await pay(buyers[i]!, orders[i]!, { method: "POINTS" });
      expect(res.status).toBe(200);
      lastPaid = Number(res.headers["x-position"]);
    }
    await waitFor("goods handled", async () => (batch.positions()[GOODS_ALLOCATION_CHECKPOINT] ?? 0) >= lastPaid, 5_000);
    const goods = async (i: number) => (await stateOf(orders[i]!)).goods;
    expect(await goods(3)).toEqual({ name: "Tote bag", status: "ALLOCATED" });
    expect(await goods(1)).toEqual({ name: "Tote bag", status: "ALLOCATED" });
    expect(await goods(0)).toBeNull();
    expect(await goods(2)).toBeNull();
    expect(await eventsOfType(ctx, `order-${orders[0]!}`, "GoodsAllocated")).toEqual([]);

    const cancelled = await http("POST", `${api.url}/orders/${orders[3]!}/cancel`, { headers: bearer(buyers[3]!) });
    expect(cancelled.status).toBe(200);
    await waitForEvent(ctx, `order-${orders[3]!}`, "GoodsReleased");
    expect(await goods(3)).toBeNull();

    const res = await pay(buyers[4]!, orders[4]!, { method: "POINTS" });
    expect(res.status).toBe(200);
    await waitForEvent(ctx, `order-${orders[4]!}`, "GoodsAllocated", 5_000);
    await waitFor("goods handled", async () => (batch.positions()[GOODS_ALLOCATION_CHECKPOINT] ?? 0) >= Number(res.headers["x-position"]), 5_000);
    // Those paid while the goods were out stay without.
    expect(await goods(0)).toBeNull();
    expect(await goods(2)).toBeNull();
    expect(await goods(1)).toEqual({ name: "Tote bag", status: "ALLOCATED" });
    const refund = await eventsOfType(ctx, `order-${orders[3]!}`, "PaymentRefunded");
    expect(refund).toHaveLength(1);
  });
});
