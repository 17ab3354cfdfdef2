import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { endOrder } from "@surge/areas/orders/place";
import { systemContext } from "@surge/platform/command/context";
import { createTestContext, type TestContext } from "@surge/testkit/context";
import type { CommandApi } from "@surge/command-api/start";
import type { Batch } from "@surge/batch/start";
import { claim, createCoupon, startApi } from "../command-harness.js";
import { createSale, order } from "@surge/testkit/sales";
import { batchCounter, eventsOfType, startTestBatch, waitForEvent } from "../batch-harness.js";
import { positionOf } from "@surge/testkit/http";
import { untilPast, waitFor } from "@surge/testkit/wait";

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

/** Completed rounds of the expiry job, from the batch's /metrics. */
const expiryRounds = () => batchCounter(batch, admin, "batch_job_runs_total", { job: "order-expiry", outcome: "ok" });

describe("order expiry", () => {
  it("expires an unpaid order in the first expiry round after its expiresAt: stock back, coupon released once, repeats change nothing", async () => {
    const user = await ctx.token("buyer");
    const coupon = await createCoupon(api.url, admin, { quantity: 10 });
    const claimed = await claim(api.url, coupon.couponId, user);
    expect(claimed.status).toBe(201);
    const claimId: string = claimed.body.claimId;
    const sale = await createSale(api.url, admin, { deals: [{ price: 9_900, stock: 5 }] });
    const dealId = sale.deals[0]!.dealId;

    const placed = await order(api.url, user, [{ dealId, quantity: 2 }], { couponClaimId: claimId });
    expect(placed.status).toBe(201);
    const { orderId, expiresAt } = placed.body as { orderId: string; expiresAt: string };
    expect(await api.stock.remaining(sale.eventId)).toEqual({ [dealId]: 3 });

    // The job has read the order from the log, then expiresAt passes. A round under way now may
    // have begun before expiresAt; the round after it began later, and must expire the order.
    await waitFor("the expiry job to read the order", () => (batch.positions()["order-expiry"] ?? 0) >= positionOf(placed));
    await untilPast(expiresAt);
    const rounds = await expiryRounds();
    await waitFor("two more expiry rounds", async () => (await expiryRounds()) >= rounds + 2);
    const [expired] = await eventsOfType(ctx, `order-${orderId}`, "OrderExpired");
    expect(expired).toBeDefined();
    const lateMs = expired!.occurredAt.getTime() - Date.parse(expiresAt);
    expect(lateMs).toBeGreaterThanOrEqual(0);
    expect(expired!.metadata.userId).toBe("system:expiry");
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
    const sale = await createSale(api.url, admin, { deals: [{ price: 1_000, stock: 5 }] });
    const dealId = sale.deals[0]!.dealId;
    const placed = await order(api.url, await ctx.token("slow"), [{ dealId, quantity: 1 }]);
    expect(placed.status).toBe(201);
    const { orderId, expiresAt } = placed.body as { orderId: string; expiresAt: string };
    // Due in 2 s: the rounds before that leave it alone, so its one expiry is not dated earlier.
    const expired = await waitForEvent(ctx, `order-${orderId}`, "OrderExpired", 8_000);
    expect(expired.occurredAt.getTime()).toBeGreaterThanOrEqual(Date.parse(expiresAt));
    expect(await eventsOfType(ctx, `order-${orderId}`, "OrderExpired")).toHaveLength(1);
  });
});
