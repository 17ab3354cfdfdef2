import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pino } from "pino";
import { Counter, Registry } from "prom-client";
import { AppError } from "@surge/platform/errors";
import { createDb, type Db } from "@surge/platform/db/database";
import { MysqlEventStore } from "@surge/platform/eventstore/mysql-event-store";
import { bindEvents } from "@surge/platform/events/new-event";
import { newId } from "@surge/platform/ids";
import type { CommandContext } from "@surge/platform/command/context";
import { createTestContext, type TestContext } from "@surge/testkit/context";
import { CommitCutter } from "@surge/testkit/commit-cutter";
import { rawEvent, rawMetadata } from "@surge/testkit/raw-event";
import { definition } from "@surge/testkit/coupon-events";
import { placeOrder, type OrderDeps } from "@surge/areas/orders/place";
import { SaleDefinitions } from "@surge/areas/sales/definitions";
import { saleEventTypes, saleStream, saleTag, type SaleDefinition } from "@surge/areas/sales/events";
import { decideSale, initialSaleState } from "@surge/areas/sales/sale";
import { dealIdFor } from "@surge/areas/sales/schedule";
import { StockGuard, saleKeys } from "@surge/areas/sales/stock-guard";
import { claimCoupon } from "@surge/areas/coupons/claim-command";
import { CouponCreated, couponStream } from "@surge/areas/coupons/coupon-events";
import { CouponDefinitions } from "@surge/areas/coupons/definitions";
import { CouponGuard, couponKeys } from "@surge/areas/coupons/guard";

/**
 * A lost connection during an append's COMMIT, for real (see CommitCutter): the order or claim
 * may be in the store. Its reservation must not be given back unless the store says the event is
 * absent, or one unit is sold twice.
 */
let ctx: TestContext;
let cutter: CommitCutter;
let db: Db;
let store: MysqlEventStore;
let stock: StockGuard;
let orders: OrderDeps;
const logger = pino({ level: "silent" });
beforeAll(async () => {
  ctx = await createTestContext();
  const relay = await CommitCutter.start(ctx.databaseUrl, ctx.db);
  cutter = relay.cutter;
  db = createDb({ url: relay.url, poolSize: 3 });
  store = new MysqlEventStore(db, { verify: { attempts: 3, delayMs: 20 } });
  stock = new StockGuard(ctx.redis, store, { reservationTtlMs: 30_000 }, logger);
  orders = { store, stock, sales: new SaleDefinitions(store), paymentTtlS: 600, appendDeadlineMs: 10_000 };
});
afterAll(async () => {
  await store?.close();
  await db?.destroy();
  await cutter?.close();
  await ctx?.close();
});

const context = (userId: string): CommandContext => ({ userId, correlationId: newId(), now: new Date() });
const isStored = (eventId: string) => async () => (await ctx.store.readEvent(eventId)) !== null;

/** An open sale with one deal of `units`. */
async function openSale(units: number): Promise<{ eventId: string; dealId: string }> {
  const eventId = newId();
  const now = new Date();
  const sale: SaleDefinition = {
    eventId,
    name: "one unit",
    opensAt: new Date(now.getTime() - 1000).toISOString(),
    closesAt: null,
    deals: [{ dealId: dealIdFor(eventId, 0), productId: "p1", productName: "P1", salePrice: 1_000, stock: units, perUserLimit: units }],
    goods: null,
  };
  const events = decideSale(initialSaleState(), { type: "ScheduleSale", definition: sale, now });
  await ctx.store.append(saleStream(eventId), "no_stream", bindEvents(saleEventTypes, events, { metadata: rawMetadata() }));
  return { eventId, dealId: dealIdFor(eventId, 0) };
}

/** Units sold by the store's account: the OrderPlaced lines of the sale. */
async function sold(eventId: string): Promise<number> {
  const placed = (await ctx.store.readByTag(saleTag(eventId))).filter((e) => e.type === "OrderPlaced");
  return placed.reduce((n, e) => n + (e.data as { items: Array<{ quantity: number }> }).items.reduce((q, i) => q + i.quantity, 0), 0);
}
const left = async (eventId: string, dealId: string) => (await stock.remaining(eventId))[dealId]!;
const order = (sale: { eventId: string; dealId: string }, userId: string, orderId = newId()) =>
  placeOrder(orders, { orderId, items: [{ dealId: sale.dealId, quantity: 1 }] }, context(userId));
const codeOf = (e: unknown) => (e instanceof AppError ? e.code : e);

describe("an order whose COMMIT is cut", () => {
  it("committed: the order stands and keeps its unit; the last unit is not sold again", async () => {
    const sale = await openSale(1);
    const orderId = newId();
    const cut = cutter.arm("after-commit", { committed: isStored(orderId) });
    const placed = await order(sale, "u1", orderId);
    await cut;
    expect(placed.order.orderId).toBe(orderId);
    expect(codeOf(await order(sale, "u2").catch((e: unknown) => e))).toBe("SOLD_OUT");
    expect((await left(sale.eventId, sale.dealId)) + (await sold(sale.eventId))).toBe(1);
    expect(await sold(sale.eventId)).toBe(1);
  });

  it("not committed: 503, the unit comes back and sells once", async () => {
    const sale = await openSale(1);
    const cut = cutter.arm("before-commit");
    expect(codeOf(await order(sale, "u1").catch((e: unknown) => e))).toBe("UNAVAILABLE");
    await cut;
    expect(await left(sale.eventId, sale.dealId)).toBe(1);
    await order(sale, "u2");
    expect((await left(sale.eventId, sale.dealId)) + (await sold(sale.eventId))).toBe(1);
  });

  it("the store away while it looks: 503, the unit stays reserved until the sweeper finds the order", async () => {
    const sale = await openSale(1);
    const orderId = newId();
    const cut = cutter.arm("after-commit", { committed: isStored(orderId), thenRefuse: true });
    expect(codeOf(await order(sale, "u1", orderId).catch((e: unknown) => e))).toBe("UNAVAILABLE");
    await cut;
    cutter.accept();
    expect(await left(sale.eventId, sale.dealId)).toBe(0);
    expect(await ctx.redis.zscore(saleKeys(sale.eventId)[6], orderId)).not.toBeNull();
    // Past its deadline, the sweeper asks the store and confirms it: still one unit, one order.
    expect(await stock.sweep(Date.now() + 60_000)).toMatchObject({ confirmed: 1, released: 0 });
    expect(codeOf(await order(sale, "u2").catch((e: unknown) => e))).toBe("SOLD_OUT");
    expect((await left(sale.eventId, sale.dealId)) + (await sold(sale.eventId))).toBe(1);
  });
});

describe("a coupon claim whose COMMIT is cut", () => {
  it("committed: the claim stands and its unit stays taken; no second claim of the last unit", async () => {
    const def = definition({ quantity: 1, perUserLimit: 1, minOrderAmount: 0, claimOpensAt: new Date(Date.now() - 1000).toISOString() });
    await ctx.store.append(couponStream(def.couponId), "no_stream", [rawEvent(CouponCreated, def)]);
    const guard = new CouponGuard(ctx.redis, store, { reservationTtlMs: 30_000 }, logger);
    const outcomes = new Counter({ name: "claims", help: "claims", labelNames: ["outcome"] as const, registers: [new Registry()] });
    const deps = { store, guard, definitions: new CouponDefinitions(store), appendDeadlineMs: 10_000, outcomes, logger };

    const cut = cutter.arm("after-commit", {
      committed: async () => (await ctx.store.readStream(couponStream(def.couponId))).length > 1,
    });
    const claim = await claimCoupon(deps, def.couponId, context("u1"));
    await cut;
    expect(claim.claim.userId).toBe("u1");
    expect(codeOf(await claimCoupon(deps, def.couponId, context("u2")).catch((e: unknown) => e))).toBe("SOLD_OUT");
    const claims = (await ctx.store.readStream(couponStream(def.couponId))).filter((e) => e.type === "CouponClaimed");
    expect(claims).toHaveLength(1);
    expect(await ctx.redis.hget(couponKeys(def.couponId).meta, "claimed")).toBe("1");
  });
});
