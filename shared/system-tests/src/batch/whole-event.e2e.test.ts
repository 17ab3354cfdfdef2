import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { orderStream } from "@surge/areas/orders/events";
import { readCheckpoint } from "@surge/platform/db/checkpoints";
import { walletStream } from "@surge/areas/wallet/events";
import { type StoredEvent } from "@surge/platform/eventstore/types";
import { bearer, http } from "@surge/testkit/http";
import { createTestContext, type TestContext } from "@surge/testkit/context";
import { readEnv as projectorEnv } from "@surge/projector/env";
import { startProjector } from "@surge/projector/start";
import type { CommandApi } from "@surge/command-api/start";
import { readEnv as pgEnv } from "@surge/devtools/pg-simulator/env";
import { startPgSimulator } from "@surge/devtools/pg-simulator/start";
import type { Batch } from "@surge/batch/start";
import { claim, createCoupon, startApi } from "../command-harness.js";
import { createSale, order } from "@surge/testkit/sales";
import { startTestBatch, waitForEvent } from "../batch-harness.js";
import { waitFor } from "@surge/testkit/wait";

/**
 * One whole event on the real stack: a coupon drop, the event opening by itself, 1,000 buyers
 * racing for 100 units, POINTS and CARD payments through a gateway with its default failure
 * rates, goods for the first payers. Then the books must balance, from the store and read models.
 */
const SECRET = "whole-event-webhook-secret-0123456789";
let ctx: TestContext;
let pg: Awaited<ReturnType<typeof startPgSimulator>>;
let api: CommandApi;
let batch: Batch;
let projector: Awaited<ReturnType<typeof startProjector>>;

beforeAll(async () => {
  ctx = await createTestContext();
  // Default failure rates; only the delays are shortened so the test takes seconds, not minutes.
  pg = await startPgSimulator(
    pgEnv({
      PG_SIMULATOR_PORT: "0",
      PG_WEBHOOK_SECRET: SECRET,
      LOG_LEVEL: "fatal",
      PG_SIM_SEED: "42",
      PG_SIM_MIN_DELAY_MS: "200",
      PG_SIM_MAX_DELAY_MS: "1000",
    }),
  );
  const pgConfig = { PG_BASE_URL: pg.url, PG_WEBHOOK_SECRET: SECRET };
  api = await startApi(ctx, { ...pgConfig, ORDER_PAYMENT_TTL_S: "120" });
  batch = await startTestBatch(ctx, { ...pgConfig, PAYMENT_SETTLE_INTERVAL_S: "1" });
  projector = await startProjector(projectorEnv({ ...ctx.appEnv, PROJECTOR_PORT: "0" }));
}, 60_000);
afterAll(async () => {
  await projector?.stop();
  await batch?.stop();
  await api?.stop();
  await pg?.stop();
  await ctx?.close();
});

const key = (() => {
  let n = 0;
  return () => `whole-${++n}`;
})();
const last = <T>(xs: T[]) => xs[xs.length - 1];

describe("a whole event", () => {
  it("sells exactly the stock, settles every payment once, balances wallets and gives goods to the first payers", { timeout: 180_000 }, async () => {
    const admin = await ctx.token("admin1", "admin");
    const buyers = await Promise.all(Array.from({ length: 1000 }, async (_, i) => ({ id: `buyer${i}`, token: await ctx.token(`buyer${i}`) })));

    // 1. The coupon drop: 300 buyers race for 50 coupons.
    const coupon = await createCoupon(api.url, admin, { quantity: 50, discount: { type: "FIXED", amount: 1_000 } });
    const claims = await Promise.all(buyers.slice(0, 300).map(async (b) => ({ b, res: await claim(api.url, coupon.couponId, b.token) })));
    const claimOf = new Map(claims.filter((c) => c.res.status === 201).map((c) => [c.b.id, c.res.body.claimId as string]));
    expect(claimOf.size).toBe(50);

    // 2. The event opens by itself two seconds from now.
    const sale = await createSale(api.url, admin, {
      deals: [
        { price: 9_900, stock: 60, perUserLimit: 1 },
        { price: 19_900, stock: 40, perUserLimit: 1 },
      ],
      opensAt: new Date(Date.now() + 2000).toISOString(),
      goods: { name: "Tote bag", quantity: 30 },
    });
    expect(sale.status).toBe("SCHEDULED");
    const [d1, d2] = sale.deals.map((d) => d.dealId) as [string, string];
    // Half the buyers pay with points: they charge their wallets first.
    for (const b of buyers.filter((_, i) => i % 2 === 0).slice(0, 200)) {
      expect(
        (await http("POST", `${api.url}/wallet/charges`, { headers: { ...bearer(b.token), "idempotency-key": key() }, body: { amount: 50_000 } })).status,
      ).toBe(200);
    }
    await waitForEvent(ctx, `event-${sale.eventId}`, "EventOpened", 10_000);

    // 3. 1,000 buyers race for 100 units.
    const results = await Promise.all(
      buyers.map(async (b, i) => {
        const claimId = claimOf.get(b.id);
        const res = await order(api.url, b.token, [{ dealId: i % 5 < 3 ? d1 : d2, quantity: 1 }], claimId ? { couponClaimId: claimId } : {});
        return { b, i, res };
      }),
    );
    const won = results.filter((r) => r.res.status === 201);
    expect(won).toHaveLength(100);
    expect(results.filter((r) => r.res.status !== 201).every((r) => r.res.status === 409 && r.res.body.code === "SOLD_OUT")).toBe(true);

    // 4. Every winner pays: even buyers with points (if they charged), the others by card.
    const payments = await Promise.all(
      won.map(async ({ b, i, res }) => {
        const points = i % 2 === 0 && i < 400;
        const body = points ? { method: "POINTS" } : { method: "CARD", card: { type: "KB", number: "1234-5678-9012-3456" } };
        const paid = await http("POST", `${api.url}/orders/${res.body.orderId}/payments`, { headers: { ...bearer(b.token), "idempotency-key": key() }, body });
        return { orderId: res.body.orderId as string, points, status: paid.status };
      }),
    );
    for (const p of payments) expect(p.status).toBe(p.points ? 200 : 202);

    // 5. Wait until every order reached a final state: paid, or cancelled after a declined card.
    const orderIds = won.map((w) => w.res.body.orderId as string);
    const streams = new Map<string, StoredEvent[]>();
    await waitFor(
      "every payment settled",
      async () => {
        for (const id of orderIds) streams.set(id, await ctx.store.readStream(orderStream(id)));
        return [...streams.values()].every((s) => s.some((e) => e.type === "OrderPaid" || e.type === "OrderCancelled"));
      },
      { timeoutMs: 90_000, everyMs: 250 },
    );
    const paidIds = orderIds.filter((id) => streams.get(id)!.some((e) => e.type === "OrderPaid"));
    expect(paidIds.length).toBeGreaterThan(50);
    expect(paidIds.length).toBeLessThan(100);

    // 6. Goods reach the first 30 payers, in order of payment.
    const paidAt = (id: string) => streams.get(id)!.find((e) => e.type === "OrderPaid")!.position;
    const firstPayers = [...paidIds].sort((a, b) => paidAt(a) - paidAt(b)).slice(0, 30);
    await waitFor(
      "goods allocated",
      async () => {
        const withGoods = await Promise.all(paidIds.map(async (id) => (await ctx.store.readStream(orderStream(id))).some((e) => e.type === "GoodsAllocated")));
        return withGoods.filter(Boolean).length === 30;
      },
      { timeoutMs: 20_000, everyMs: 250 },
    );
    for (const id of orderIds) streams.set(id, await ctx.store.readStream(orderStream(id)));
    const allocated = orderIds.filter((id) => streams.get(id)!.some((e) => e.type === "GoodsAllocated"));
    expect(new Set(allocated)).toEqual(new Set(firstPayers));

    // The books. Every paid order has exactly one succeeded payment and no refund; every other ended cancelled, payment failed.
    for (const id of orderIds) {
      const types = streams.get(id)!.map((e) => e.type);
      if (paidIds.includes(id)) {
        expect(types.filter((t) => t === "PaymentSucceeded")).toHaveLength(1);
        expect(types).not.toContain("PaymentRefunded");
      } else {
        expect(types).toContain("PaymentFailed");
        expect(streams.get(id)!.find((e) => e.type === "OrderCancelled")!.data).toMatchObject({ reason: "PAYMENT_FAILED" });
      }
    }
    // sold + remaining = stock for every deal, in the guard and in the read model.
    const soldUnits = (dealId: string) =>
      paidIds.filter((id) => (streams.get(id)![0]!.data as { items: Array<{ dealId: string }> }).items[0]!.dealId === dealId).length;
    await waitFor(
      "stock released for every failed payment",
      async () => {
        const r = await api.stock.remaining(sale.eventId);
        return r[d1] === 60 - soldUnits(d1) && r[d2] === 40 - soldUnits(d2);
      },
      { timeoutMs: 20_000, everyMs: 250 },
    );
    await waitFor("projector caught up", async () => (await readCheckpoint(ctx.db)) >= (await ctx.store.headPosition()), { timeoutMs: 20_000, everyMs: 100 });
    const deals = await ctx.db.selectFrom("sale_deals").select(["deal_id", "stock", "sold"]).where("event_id", "=", sale.eventId).execute();
    for (const d of deals) expect(Number(d.sold)).toBe(soldUnits(d.deal_id));
    // Wallets add up: the balance carried by the last event equals charges − debits + refunds.
    for (const b of buyers.filter((_, i) => i % 2 === 0).slice(0, 200)) {
      const w = await ctx.store.readStream(walletStream(b.id));
      const sum = w.reduce((n, e) => n + (e.type === "PointsDebited" ? -1 : 1) * (e.data as { amount: number }).amount, 0);
      expect((last(w)!.data as { balance: number }).balance).toBe(sum);
    }
    // Coupons: used only by paid orders; the claims of failed orders are available again.
    for (const [buyer, claimId] of claimOf) {
      const life = (await ctx.store.readStream(`claim-${claimId}`)).map((e) => e.type);
      const w = won.find((x) => x.b.id === buyer);
      if (!w) expect(life).toEqual([]);
      else if (paidIds.includes(w.res.body.orderId)) expect(life).toEqual(["CouponClaimReserved", "CouponClaimUsed"]);
      else expect(life).toEqual(["CouponClaimReserved", "CouponClaimReleased"]);
    }
  });
});
