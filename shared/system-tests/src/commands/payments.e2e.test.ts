import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { couponClaimStream } from "@surge/areas/coupons/claim-events";
import { GoodsAllocated, orderStream } from "@surge/areas/orders/events";
import { signToken } from "@surge/platform/http/auth";
import { walletStream } from "@surge/areas/wallet/events";
import { bearer, http } from "@surge/testkit/http";
import { createTestContext, type TestContext } from "@surge/testkit/context";
import type { CommandApi } from "@surge/command-api/start";
import { signBody } from "@surge/areas/payments/signature";
import { readEnv as readSimEnv } from "@surge/devtools/pg-simulator/env";
import { startPgSimulator } from "@surge/devtools/pg-simulator/start";
import { claim, createCoupon, forgetKeyRecord, startApi, tally } from "../command-harness.js";
import { rawEvent } from "@surge/testkit/raw-event";
import { cancel, createSale, freshKey, order } from "@surge/testkit/sales";
import { waitFor } from "@surge/testkit/wait";
import { loadOrder } from "@surge/areas/orders/place";

const SECRET = "test-pg-webhook-secret-0123456789";
let ctx: TestContext;
let api: CommandApi;
let pg: Awaited<ReturnType<typeof startPgSimulator>>;
let admin: string;

beforeAll(async () => {
  ctx = await createTestContext();
  pg = await startPgSimulator(readSimEnv({ PG_SIMULATOR_PORT: "0", PG_WEBHOOK_SECRET: SECRET, LOG_LEVEL: "fatal", PG_SIM_SEED: "7" }));
  api = await startApi(ctx, { PG_BASE_URL: pg.url, PG_WEBHOOK_SECRET: SECRET });
  admin = await ctx.token("admin1", "admin");
});
afterAll(async () => {
  await api?.stop();
  await pg?.stop();
  await ctx?.close();
});

const pay = (token: string, orderId: string, body: object, key = freshKey()) =>
  http("POST", `${api.url}/orders/${orderId}/payments`, { headers: { ...bearer(token), "idempotency-key": key }, body });
const charge = (token: string, amount: number) =>
  http("POST", `${api.url}/wallet/charges`, { headers: { ...bearer(token), "idempotency-key": freshKey() }, body: { amount } });
const setPg = (config: object) => http("PUT", `${pg.url}/config`, { body: config });
const types = async (orderId: string) => (await ctx.store.readStream(orderStream(orderId))).map((e) => e.type);
const balance = async (userId: string) => {
  const e = await ctx.store.readStream(walletStream(userId));
  return e.length ? (e[e.length - 1]!.data as { balance: number }).balance : 0;
};

async function placed(user: string, price: number, extra: Record<string, unknown> = {}) {
  const sale = await createSale(api.url, admin, { deals: [{ price, stock: 10, perUserLimit: 10 }] });
  const token = await ctx.token(user);
  const res = await order(api.url, token, [{ dealId: sale.deals[0]!.dealId, quantity: 1 }], extra);
  expect(res.status).toBe(201);
  return { token, orderId: res.body.orderId as string, eventId: sale.eventId, dealId: sale.deals[0]!.dealId };
}

describe("Idempotency-Key whose record Redis lost", () => {
  it("a repeated POINTS payment is answered from the store and debits once", async () => {
    const o = await placed("p-lost", 3_000);
    await charge(o.token, 10_000);
    const first = await pay(o.token, o.orderId, { method: "POINTS" }, "pay-lost");
    expect(first.status).toBe(200);
    await forgetKeyRecord(ctx, "p-lost", "pay-lost");
    const again = await pay(o.token, o.orderId, { method: "POINTS" }, "pay-lost");
    expect(again.status).toBe(200);
    expect(again.text).toBe(first.text);
    expect(again.headers["idempotency-replayed"]).toBe("true");
    expect(await balance("p-lost")).toBe(7_000);
    const card = await pay(o.token, o.orderId, { method: "CARD", card: { type: "KB", number: "1234-5678-9012-3456" } }, "pay-lost");
    expect(card.status).toBe(422);
  });

  it("a repeated CARD request is answered 202 PENDING from the store and not submitted again", async () => {
    await setPg({ requestFailureRate: 0, minDelayMs: 60_000, maxDelayMs: 60_000 });
    const o = await placed("c-lost", 4_000);
    const body = { method: "CARD", card: { type: "KB", number: "1234-5678-9012-3456" } };
    const first = await pay(o.token, o.orderId, body, "card-lost");
    expect(first.status).toBe(202);
    await forgetKeyRecord(ctx, "c-lost", "card-lost");
    const again = await pay(o.token, o.orderId, body, "card-lost");
    expect(again.status).toBe(202);
    expect(again.text).toBe(first.text);
    expect(again.headers["idempotency-replayed"]).toBe("true");
    expect((await types(o.orderId)).filter((t) => t === "PaymentRequested")).toHaveLength(1);
    const submitted = await waitFor("the submission", async () => {
      const res = await http("GET", `${pg.url}/payments?orderId=${o.orderId}`);
      return res.body.items.length > 0 && res;
    });
    // Every submission made so far has reached the gateway: a second one would be in the list now.
    await api.submitter.idle();
    expect(submitted.body.items).toHaveLength(1);
    expect((await http("GET", `${pg.url}/payments?orderId=${o.orderId}`)).body.items).toHaveLength(1);
  });
});

describe("POINTS", () => {
  it("pays, debits the wallet and answers the contract's payment body", async () => {
    const o = await placed("p-ok", 3_000);
    await charge(o.token, 10_000);
    const res = await pay(o.token, o.orderId, { method: "POINTS" });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ paymentId: expect.any(String), orderId: o.orderId, method: "POINTS", status: "SUCCEEDED", amount: 3_000 });
    expect(await types(o.orderId)).toEqual(["OrderPlaced", "PaymentRequested", "PaymentSucceeded", "OrderPaid"]);
    expect(await balance("p-ok")).toBe(7_000);
  });

  it("5 concurrent payments of 3,000 on five orders with balance 4,000 → exactly one succeeds", async () => {
    const sale = await createSale(api.url, admin, { deals: [{ price: 3_000, stock: 10, perUserLimit: 10 }] });
    const token = await ctx.token("p-race");
    await charge(token, 4_000);
    const orders = await Promise.all(Array.from({ length: 5 }, () => order(api.url, token, [{ dealId: sale.deals[0]!.dealId, quantity: 1 }])));
    const results = await Promise.all(orders.map((o) => pay(token, o.body.orderId, { method: "POINTS" })));
    expect(tally(results)).toEqual({ "200": 1, "409 INSUFFICIENT_POINTS": 4 });
    for (const r of results.filter((r) => r.status === 409)) expect(r.body).toMatchObject({ required: 3_000, balance: 1_000 });
    expect(await balance("p-race")).toBe(1_000);
  });

  it("two concurrent pay requests on one order → one payment", async () => {
    const o = await placed("p-twice", 1_000);
    await charge(o.token, 10_000);
    const results = await Promise.all([pay(o.token, o.orderId, { method: "POINTS" }), pay(o.token, o.orderId, { method: "POINTS" })]);
    expect(tally(results)).toEqual({ "200": 1, "409 ORDER_NOT_PAYABLE": 1 });
    expect((await types(o.orderId)).filter((t) => t === "PaymentRequested")).toHaveLength(1);
    expect(await balance("p-twice")).toBe(9_000);
  });

  it("payableAmount 0 succeeds without debiting", async () => {
    const coupon = await createCoupon(api.url, admin, { discount: { type: "FIXED", amount: 5_000 } });
    const token = await ctx.token("p-free");
    const claimed = await claim(api.url, coupon.couponId, token);
    const sale = await createSale(api.url, admin, { deals: [{ price: 3_000, stock: 10 }] });
    const o = await order(api.url, token, [{ dealId: sale.deals[0]!.dealId, quantity: 1 }], { couponClaimId: claimed.body.claimId });
    expect(o.body.payableAmount).toBe(0);
    expect((await pay(token, o.body.orderId, { method: "POINTS" })).body).toMatchObject({ status: "SUCCEEDED", amount: 0 });
    expect(await ctx.store.readStream(walletStream("p-free"))).toHaveLength(0);
    expect((await ctx.store.readStream(couponClaimStream(claimed.body.claimId))).map((e) => e.type)).toEqual(["CouponClaimReserved", "CouponClaimUsed"]);
  });

  it("cancel of a paid order refunds points, restores stock and coupon, exactly once", async () => {
    const coupon = await createCoupon(api.url, admin, { discount: { type: "FIXED", amount: 500 } });
    const token = await ctx.token("p-refund");
    const claimed = await claim(api.url, coupon.couponId, token);
    const sale = await createSale(api.url, admin, { deals: [{ price: 2_000, stock: 5, perUserLimit: 5 }] });
    const dealId = sale.deals[0]!.dealId;
    const o = await order(api.url, token, [{ dealId, quantity: 2 }], { couponClaimId: claimed.body.claimId });
    await charge(token, 10_000);
    await pay(token, o.body.orderId, { method: "POINTS" });
    expect(await balance("p-refund")).toBe(6_500);
    const results = await Promise.all(Array.from({ length: 5 }, () => cancel(api.url, token, o.body.orderId)));
    expect(tally(results)).toEqual({ "200": 1, "409 INVALID_STATE": 4 });
    expect(results.find((r) => r.status === 200)!.body).toMatchObject({ status: "CANCELLED", payment: { status: "REFUNDED", amount: 3_500 } });
    expect(await balance("p-refund")).toBe(10_000);
    expect(await api.stock.remaining(sale.eventId)).toEqual({ [dealId]: 5 });
    expect((await ctx.store.readStream(couponClaimStream(claimed.body.claimId))).map((e) => e.type)).toEqual([
      "CouponClaimReserved",
      "CouponClaimUsed",
      "CouponClaimReleased",
    ]);
  });

  it("refuses another user's order (404) and a cancelled order (409)", async () => {
    const o = await placed("p-owner", 1_000);
    expect((await pay(await ctx.token("p-stranger"), o.orderId, { method: "POINTS" })).status).toBe(404);
    await cancel(api.url, o.token, o.orderId);
    expect((await pay(o.token, o.orderId, { method: "POINTS" })).body.code).toBe("ORDER_NOT_PAYABLE");
  });
});

describe("CARD", () => {
  it("202 PENDING, then the gateway's signed callback pays the order", async () => {
    await setPg({
      requestFailureRate: 0,
      limitExceededRate: 0,
      invalidCardRate: 0,
      minDelayMs: 50,
      maxDelayMs: 100,
      requestMinDelayMs: 0,
      requestMaxDelayMs: 5,
      callbacks: true,
      callbackRepeat: 1,
    });
    const o = await placed("c-ok", 4_000);
    const res = await pay(o.token, o.orderId, { method: "CARD", card: { type: "KB", number: "1234-5678-9012-3456" } });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ method: "CARD", status: "PENDING", amount: 4_000 });
    const events = await waitFor("the order paid", async () => {
      const t = await types(o.orderId);
      return t.includes("OrderPaid") && t;
    });
    expect(events).toEqual(["OrderPlaced", "PaymentRequested", "PaymentSubmitted", "PaymentSucceeded", "OrderPaid"]);
    const stored = JSON.stringify(await ctx.store.readStream(orderStream(o.orderId)));
    expect(stored).not.toContain("1234-5678-9012-3456");
  });

  it("a second payment while one is pending → 409 ORDER_NOT_PAYABLE", async () => {
    await setPg({ requestFailureRate: 0, minDelayMs: 2000, maxDelayMs: 2000 });
    const o = await placed("c-pending", 1_000);
    expect((await pay(o.token, o.orderId, { method: "CARD", card: { type: "SAMSUNG", number: "1111-2222-3333-4444" } })).status).toBe(202);
    expect((await pay(o.token, o.orderId, { method: "POINTS" })).body.code).toBe("ORDER_NOT_PAYABLE");
    // The card payment completes 2 s later: let its callback land here, not in a later test that counts events.
    await waitFor("the card payment to complete", async () => (await types(o.orderId)).includes("OrderPaid"));
  });
});

describe("POST /pg/callback", () => {
  const callback = (body: object, signature?: string) => {
    const raw = JSON.stringify(body);
    return http("POST", `${api.url}/pg/callback`, {
      headers: { "content-type": "application/json", ...(signature === undefined ? {} : { "x-pg-signature": signature }) },
      body: raw,
    });
  };

  /** A card payment the gateway accepted and has not completed yet (its callback an hour away), with its real callback body. */
  async function accepted(user: string, amount: number) {
    await setPg({ requestFailureRate: 0, minDelayMs: 600_000, maxDelayMs: 600_000 });
    const o = await placed(user, amount);
    const res = await pay(o.token, o.orderId, { method: "CARD", card: { type: "HYUNDAI", number: "1234-5678-9012-3456" } });
    expect(res.status).toBe(202);
    // The submitter has recorded the transaction key the gateway accepted the payment under.
    await waitFor("the submission recorded", async () => (await types(o.orderId)).includes("PaymentSubmitted"));
    const [tx] = (await http("GET", `${pg.url}/payments?orderId=${o.orderId}`)).body.items;
    const body = {
      transactionKey: tx.transactionKey as string,
      orderId: o.orderId,
      paymentId: res.body.paymentId as string,
      status: "SUCCESS",
      amount,
      completedAt: new Date().toISOString(),
    };
    return { ...o, body };
  }
  const signed = (body: object) => callback(body, signBody(JSON.stringify(body), SECRET));

  it("bad or missing signatures → 401 and nothing changes; repeats change nothing", async () => {
    const { orderId, body } = await accepted("cb", 2_000);
    const before = await ctx.store.headPosition();
    for (const sig of [
      undefined,
      "nothex",
      signBody(JSON.stringify(body), "wrong-secret-0123456789"),
      signBody(JSON.stringify({ ...body, amount: 1 }), SECRET),
    ]) {
      const r = await callback(body, sig);
      expect(r.status).toBe(401);
      expect(r.body.code).toBe("UNAUTHENTICATED");
    }
    expect(await ctx.store.headPosition()).toBe(before);
    const good = await Promise.all(Array.from({ length: 3 }, () => signed(body)));
    expect(good.map((r) => r.status)).toEqual([200, 200, 200]);
    expect((await signed({ ...body, status: "INVALID_CARD" })).status).toBe(200);
    expect(await types(orderId)).toEqual(["OrderPlaced", "PaymentRequested", "PaymentSubmitted", "PaymentSucceeded", "OrderPaid"]);
  });

  it.each([
    ["another amount", { amount: 1_999 }],
    ["another transaction key", { transactionKey: "tx_someone_elses" }],
    ["another transaction key, declined", { transactionKey: "tx_someone_elses", status: "INVALID_CARD" }],
  ])("a correctly signed callback with %s → 409 PAYMENT_MISMATCH, and the order stays unpaid", async (_n, change) => {
    const { orderId, body } = await accepted(`cb-mismatch-${freshKey()}`, 2_000);
    const before = await ctx.store.headPosition();
    const res = await signed({ ...body, ...change });
    expect(res.status).toBe(409);
    expect(res.headers["content-type"]).toContain("application/problem+json");
    expect(res.body).toMatchObject({ code: "PAYMENT_MISMATCH", status: 409, type: "urn:surge:problem:payment-mismatch" });
    expect(await ctx.store.headPosition()).toBe(before);
    const list = await types(orderId);
    expect(list).not.toContain("PaymentSucceeded");
    expect(list).not.toContain("OrderPaid");
    expect(list).not.toContain("PaymentFailed");
    expect((await loadOrder(ctx.store, orderId)).state).toMatchObject({ status: "PENDING_PAYMENT", payment: { status: "PENDING" } });
    // The real outcome still settles it.
    expect((await signed(body)).status).toBe(200);
    expect(await types(orderId)).toContain("OrderPaid");
  });

  it("a signed callback without an amount → 400; for an unknown order → 404", async () => {
    const body = { transactionKey: "t", orderId: "nope", paymentId: "p", status: "SUCCESS" };
    expect((await signed(body)).body.code).toBe("VALIDATION_FAILED");
    expect((await signed({ ...body, amount: 1 })).status).toBe(404);
  });
});

describe("goods shipping", () => {
  it("ship and deliver move the goods; wrong states are 409; shipped goods block a cancel", async () => {
    const o = await placed("g-ship", 1_000);
    const ship = () => http("POST", `${api.url}/admin/orders/${o.orderId}/goods/ship`, { headers: bearer(admin), body: { trackingNo: "CJ-1" } });
    const deliver = () => http("POST", `${api.url}/admin/orders/${o.orderId}/goods/deliver`, { headers: bearer(admin) });
    expect((await ship()).body.code).toBe("INVALID_STATE");
    await charge(o.token, 5_000);
    await pay(o.token, o.orderId, { method: "POINTS" });
    // The batch allocator appends this in production; here the order's stream is driven directly.
    const v = (await ctx.store.readStream(orderStream(o.orderId))).length;
    await ctx.store.append(orderStream(o.orderId), v, [
      rawEvent(
        GoodsAllocated,
        { orderId: o.orderId, eventId: o.eventId, name: "Tote", allocatedAt: new Date().toISOString() },
        { correlationId: "t", userId: "system" },
      ),
    ]);
    expect((await deliver()).body.code).toBe("INVALID_STATE");
    expect((await ship()).body).toMatchObject({ goods: { name: "Tote", status: "SHIPPED" } });
    expect((await deliver()).body).toMatchObject({ goods: { name: "Tote", status: "DELIVERED" } });
    expect((await cancel(api.url, o.token, o.orderId)).body.code).toBe("INVALID_STATE");
    const userToken = await signToken({ id: "g-ship", role: "user" }, ctx.jwtSecret, 60);
    expect((await http("POST", `${api.url}/admin/orders/${o.orderId}/goods/deliver`, { headers: bearer(userToken) })).status).toBe(403);
  });
});

describe("bad input", () => {
  it.each([
    ["unknown method", { method: "CASH" }],
    ["card without card", { method: "CARD" }],
    ["bad card number", { method: "CARD", card: { type: "KB", number: "1234567890123456" } }],
    ["unknown card type", { method: "CARD", card: { type: "VISA", number: "1234-5678-9012-3456" } }],
    ["extra field", { method: "POINTS", tip: 1 }],
  ])("%s → 400 and nothing changes", async (_n, body) => {
    const o = await placed(`bad-${freshKey()}`, 1_000);
    const before = await ctx.store.headPosition();
    const res = await pay(o.token, o.orderId, body);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("VALIDATION_FAILED");
    expect(await ctx.store.headPosition()).toBe(before);
  });

  it("no Idempotency-Key → 400", async () => {
    const o = await placed("bad-nokey", 1_000);
    expect((await http("POST", `${api.url}/orders/${o.orderId}/payments`, { headers: bearer(o.token), body: { method: "POINTS" } })).status).toBe(400);
  });
});
