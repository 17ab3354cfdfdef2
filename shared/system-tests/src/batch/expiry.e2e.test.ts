import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { endOrder } from "@surge/areas/orders/place";
import { systemContext } from "@surge/platform/command/context";
import { createTestContext, type TestContext } from "@surge/testkit/context";
import type { CommandApi } from "@surge/command-api/start";
import type { Batch } from "@surge/batch/start";
import { claim, createCoupon, createSale, eventsOfType, order, startApi, startTestBatch, waitFor, waitForEvent } from "../batch-harness.js";

let ctx: TestContext;
let api: CommandApi;
let batch: Batch;
let admin: string;

beforeAll(async () => {
  ctx = await createTestContext();
  api = await startApi(ctx, { ORDER_PAYMENT_TTL_S: "2" });
  batch = await startTestBatch(ctx);
  admin = await ctx.token("admin1", "admin");
});
afterAll(async () => {
  await batch?.stop();
  await api?.stop();
  await ctx?.close();
});

describe("order expiry", () => {
  it("expires an unpaid order within 5 s of expiresAt: stock back, coupon released once, repeats change nothing", async () => {
    const user = await ctx.token("buyer");
    const coupon = await createCoupon(api, admin, { quantity: 10 });
    const claimed = await claim(api, coupon.couponId, user);
    expect(claimed.status).toBe(201);
    const claimId: string = claimed.body.claimId;
    const sale = await createSale(api, admin, { deals: [{ price: 9_900, stock: 5 }] });
    const dealId = sale.deals[0]!.dealId;

    const placed = await order(api, user, [{ dealId, quantity: 2 }], { couponClaimId: claimId });
    expect(placed.status).toBe(201);
    const { orderId, expiresAt } = placed.body as { orderId: string; expiresAt: string };
    expect(await api.stock.remaining(sale.eventId)).toEqual({ [dealId]: 3 });

    const expired = await waitForEvent(ctx, `order-${orderId}`, "OrderExpired", 10_000);
    const lateMs = expired.occurredAt.getTime() - Date.parse(expiresAt);
    expect(lateMs).toBeGreaterThanOrEqual(0);
    expect(lateMs).toBeLessThan(5000);
    expect(expired.metadata.userId).toBe("system:expiry");
    await waitFor("stock back", async () => (await api.stock.remaining(sale.eventId))[dealId] === 5, 2_000);
    expect((await eventsOfType(ctx, `claim-${claimId}`, "CouponClaimReleased")).length).toBe(1);

    const before = { order: (await ctx.store.readStream(`order-${orderId}`)).length, claim: (await ctx.store.readStream(`claim-${claimId}`)).length };
    const results = await Promise.all(
      Array.from({ length: 10 }, () => {
        const c = systemContext("expiry");
        return endOrder({ store: ctx.store, stock: api.stock }, orderId, { type: "ExpireOrder", now: c.now }, c);
      }),
    );
    expect(results.map((r) => r.position)).toEqual(Array(10).fill(null));
    expect(results.every((r) => r.state.status === "EXPIRED")).toBe(true);
    expect((await ctx.store.readStream(`order-${orderId}`)).length).toBe(before.order);
    expect((await ctx.store.readStream(`claim-${claimId}`)).length).toBe(before.claim);
    expect(await api.stock.remaining(sale.eventId)).toEqual({ [dealId]: 5 });
  });

  it("does not expire an order before its expiresAt", async () => {
    const sale = await createSale(api, admin, { deals: [{ price: 1_000, stock: 5 }] });
    const dealId = sale.deals[0]!.dealId;
    const placed = await order(api, await ctx.token("slow"), [{ dealId, quantity: 1 }]);
    expect(placed.status).toBe(201);
    const orderId: string = placed.body.orderId;
    // Due in 2 s: the expiry rounds before that leave it alone.
    await new Promise((r) => setTimeout(r, 1200));
    expect(await eventsOfType(ctx, `order-${orderId}`, "OrderExpired")).toEqual([]);
    await waitForEvent(ctx, `order-${orderId}`, "OrderExpired", 8_000);
  });
});
