import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CommandApi } from "@surge/command-api/start";
import { startPrivateRedis } from "@surge/testkit/private-redis";
import { createTestContext, type TestContext } from "@surge/testkit/context";
import { http, type HttpResponse } from "@surge/testkit/http";
import { createProduct, createSale, placeOrder } from "@surge/testkit/sales";
import { startApi } from "../command-harness.js";

/**
 * Every keyed command survives Redis losing everything (a restart, a FLUSHALL): the retry with the
 * same key and body gets the first answer again, from the store, and the store holds one result.
 * The Redis server is this file's own, so its FLUSHALL wipes no other file's keys.
 */
let redis: Awaited<ReturnType<typeof startPrivateRedis>>;
let ctx: TestContext;
let api: CommandApi;
let admin: string;
beforeAll(async () => {
  redis = await startPrivateRedis();
  ctx = await createTestContext({ redisUrl: redis.url });
  api = await startApi(ctx);
  admin = await ctx.token("admin1", "admin");
});
afterAll(async () => {
  await api?.stop();
  await ctx?.close();
  await redis?.stop();
});

const post = (path: string, token: string, key: string, body?: object) =>
  http("POST", `${api.url}${path}`, { token, headers: { "idempotency-key": key }, body });
const flushAll = async () => expect(await ctx.redis.flushall()).toBe("OK");
const eventsOfType = async (type: string) => {
  const all = await ctx.store.readAll(0, 100_000);
  return all.filter((e) => e.type === type);
};

/** Sends, loses Redis, sends again: the same status, body and X-Position, marked replayed, and one `type` event more. */
async function survivesFlush(type: string, send: () => Promise<HttpResponse>): Promise<HttpResponse> {
  const before = (await eventsOfType(type)).length;
  const first = await send();
  expect(first.status, first.text).toBeLessThan(300);
  await flushAll();
  const again = await send();
  expect(again.status, again.text).toBe(first.status);
  expect(again.text).toBe(first.text);
  expect(again.headers["x-position"]).toBe(first.headers["x-position"]);
  expect(again.headers["idempotency-replayed"]).toBe("true");
  expect((await eventsOfType(type)).length).toBe(before + 1);
  return first;
}

describe("a keyed command retried after Redis lost everything", () => {
  it("POST /admin/products creates one product", async () => {
    await survivesFlush("ProductCreated", () => post("/admin/products", admin, "product-1", { name: "Keyring", price: 1_000 }));
  });

  it("POST /admin/coupons creates one coupon", async () => {
    await survivesFlush("CouponCreated", () =>
      post("/admin/coupons", admin, "coupon-1", { name: "FIVE", discount: { type: "FIXED", amount: 500 }, quantity: 10 }),
    );
  });

  it("POST /admin/events schedules one sale, answered with its status then", async () => {
    const productId = await createProduct(api.url, admin);
    const body = { name: "Drop", opensAt: new Date(Date.now() - 1000).toISOString(), deals: [{ productId, salePrice: 900, stock: 5 }] };
    const first = await survivesFlush("EventScheduled", () => post("/admin/events", admin, "sale-1", body));
    expect(first.body.status).toBe("OPEN");
    expect((await eventsOfType("EventOpened")).filter((e) => (e.data as { eventId: string }).eventId === first.body.eventId)).toHaveLength(1);
  });

  it("POST /coupons/{id}/claims claims once, also where the user's limit allows another claim", async () => {
    const coupon = await post("/admin/coupons", admin, "coupon-2", { name: "TWO", discount: { type: "FIXED", amount: 500 }, quantity: 10, perUserLimit: 2 });
    const token = await ctx.token("claimer");
    await survivesFlush("CouponClaimed", () => post(`/coupons/${coupon.body.couponId}/claims`, token, "claim-1"));
    const claims = (await ctx.store.readStream(`coupon-${coupon.body.couponId}`)).filter((e) => e.type === "CouponClaimed");
    expect(claims).toHaveLength(1);
    // The rebuilt guard counts that one claim: the user's second (new key) is their last.
    expect((await post(`/coupons/${coupon.body.couponId}/claims`, token, "claim-2")).status).toBe(201);
    expect((await post(`/coupons/${coupon.body.couponId}/claims`, token, "claim-3")).body.code).toBe("ALREADY_CLAIMED");
  });

  it("POST /coupons/{id}/claims answers the first claim where the user's limit is reached", async () => {
    const coupon = await post("/admin/coupons", admin, "coupon-3", { name: "ONE", discount: { type: "FIXED", amount: 500 }, quantity: 10 });
    const token = await ctx.token("claimer-1");
    await survivesFlush("CouponClaimed", () => post(`/coupons/${coupon.body.couponId}/claims`, token, "claim-1"));
  });

  it("POST /orders/{id}/cancel cancels once and answers the order as cancelled then", async () => {
    const sale = await createSale(api.url, admin, { deals: [{ price: 1_000, stock: 5 }] });
    const token = await ctx.token("canceller");
    const placed = await placeOrder(api.url, token, [{ dealId: sale.deals[0]!.dealId, quantity: 1 }]);
    const first = await survivesFlush("OrderCancelled", () => post(`/orders/${placed.body.orderId}/cancel`, token, "cancel-1"));
    expect(first.body.status).toBe("CANCELLED");
  });

  it("the same key with another body is still 422 after the loss", async () => {
    expect((await post("/admin/products", admin, "product-2", { name: "A", price: 1 })).status).toBe(201);
    await flushAll();
    const before = await ctx.store.headPosition();
    const other = await post("/admin/products", admin, "product-2", { name: "B", price: 1 });
    expect(other.status).toBe(422);
    expect(other.body.code).toBe("IDEMPOTENCY_KEY_REUSED");
    expect(await ctx.store.headPosition()).toBe(before);
  });
});
