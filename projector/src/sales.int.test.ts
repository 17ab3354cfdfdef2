import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoredEvent } from "@surge/platform/eventstore/types";
import { EventClosed } from "@surge/areas/sales/events";
import { createTestContext, type TestContext } from "@surge/testkit/context";
import { applyBatch } from "@surge/platform/projection/apply";
import { handlers } from "@surge/areas/projections";
import { combine } from "@surge/platform/projection/handler";
import { couponProjection } from "@surge/areas/coupons/projection";
import { orderProjection } from "@surge/areas/orders/projection";
import { productProjection } from "@surge/areas/catalog/projection";
import { saleProjection } from "@surge/areas/sales/projection";
import { appendCoupon } from "@surge/testkit/coupon-events";
import { appendClaimEvent, appendOpenSale, appendOrder, appendOrderEnd, placed } from "@surge/testkit/sale-events";
import { rawEvent } from "@surge/testkit/raw-event";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

/** Everything appended since `head`: one test's events, whatever other tests appended before. */
const since = (head: number): Promise<StoredEvent[]> => ctx.store.readAll(head, 100_000);
const sold = async (eventId: string) =>
  Object.fromEntries(
    (await ctx.db.selectFrom("sale_deals").select(["deal_id", "sold"]).where("event_id", "=", eventId).execute()).map((r) => [r.deal_id, r.sold]),
  );
const orderRow = (orderId: string) => ctx.db.selectFrom("orders").selectAll().where("order_id", "=", orderId).executeTakeFirstOrThrow();

describe("projecting sales", () => {
  it("projects products, an event with its deals and goods, and its status changes", async () => {
    const head = await ctx.store.headPosition();
    const sale = await appendOpenSale(ctx.store, [10, 3], { name: "Tote bag", quantity: 5 });
    await applyBatch(ctx.db, handlers, await since(head));

    const products = await ctx.db
      .selectFrom("products")
      .selectAll()
      .where(
        "product_id",
        "in",
        sale.deals.map((d) => d.productId),
      )
      .orderBy("name")
      .execute();
    expect(products.map((p) => [p.product_id, p.name, Number(p.price)])).toEqual(sale.deals.map((d) => [d.productId, d.productName, 20_000]));

    const event = await ctx.db.selectFrom("sale_events").selectAll().where("event_id", "=", sale.eventId).executeTakeFirstOrThrow();
    expect(event).toMatchObject({
      name: "Flash",
      status: "OPEN",
      opens_at: new Date(sale.opensAt),
      closes_at: null,
      goods_name: "Tote bag",
      goods_quantity: 5,
      goods_allocated: 0,
    });
    const deals = await ctx.db.selectFrom("sale_deals").selectAll().where("event_id", "=", sale.eventId).orderBy("ordinal").execute();
    expect(deals.map((d) => [d.deal_id, d.ordinal, d.product_id, d.product_name, Number(d.sale_price), d.stock, d.sold, d.per_user_limit])).toEqual(
      sale.deals.map((d, i) => [d.dealId, i, d.productId, d.productName, 10_000, d.stock, 0, d.perUserLimit]),
    );

    const before = await ctx.store.headPosition();
    await ctx.store.append(`event-${sale.eventId}`, "any", [
      rawEvent(EventClosed, { eventId: sale.eventId, closedAt: new Date().toISOString(), forced: true }, { correlationId: "c" }),
    ]);
    await applyBatch(ctx.db, handlers, await since(before));
    expect((await ctx.db.selectFrom("sale_events").select("status").where("event_id", "=", sale.eventId).executeTakeFirstOrThrow()).status).toBe("CLOSED");
  });

  it("counts sold units per deal and returns those of cancelled and expired orders", async () => {
    const sale = await appendOpenSale(ctx.store, [100, 100]);
    await applyBatch(ctx.db, handlers, await since(0));
    const [d1, d2] = sale.deals.map((d) => d.dealId) as [string, string];
    const head = await ctx.store.headPosition();
    const a = placed(sale, "u1", [
      [0, 2],
      [1, 1],
    ]);
    const b = placed(sale, "u2", [[0, 3]]);
    const c = placed(sale, "u3", [[1, 4]]);
    for (const o of [a, b, c]) await appendOrder(ctx.store, o);
    await appendOrderEnd(ctx.store, a, "cancel");
    await appendOrderEnd(ctx.store, c, "expire");
    await applyBatch(ctx.db, handlers, await since(head));

    expect(await sold(sale.eventId)).toEqual({ [d1]: 3, [d2]: 0 });
    expect(await orderRow(a.orderId)).toMatchObject({ status: "CANCELLED", cancel_reason: "USER", user_id: "u1", event_id: sale.eventId });
    expect(await orderRow(c.orderId)).toMatchObject({ status: "EXPIRED", cancel_reason: null });
    const row = await orderRow(b.orderId);
    expect(row).toMatchObject({ status: "PENDING_PAYMENT", coupon_claim_id: null, payment: null, goods: null, paid_at: null });
    expect(JSON.parse(row.items)).toEqual(b.items);
    expect([row.created_at.toISOString(), row.expires_at.toISOString(), row.updated_at.toISOString()]).toEqual([b.placedAt, b.expiresAt, b.placedAt]);
    expect([Number(row.total_amount), Number(row.discount_amount), Number(row.payable_amount)]).toEqual([30_000, 0, 30_000]);
  });

  it("changes nothing when an OrderPlaced/OrderCancelled batch is delivered again", async () => {
    const sale = await appendOpenSale(ctx.store, [50]);
    await applyBatch(ctx.db, handlers, await since(0));
    const dealId = sale.deals[0]!.dealId;
    const head = await ctx.store.headPosition();
    const orders = Array.from({ length: 6 }, (_, i) => placed(sale, `dup${i}`, [[0, i + 1]]));
    for (const o of orders) await appendOrder(ctx.store, o);
    for (const o of orders.slice(0, 2)) await appendOrderEnd(ctx.store, o, "cancel");
    const batch = await since(head);
    await applyBatch(ctx.db, handlers, batch);
    // 1+…+6 = 21 placed, 1+2 cancelled.
    expect(await sold(sale.eventId)).toEqual({ [dealId]: 18 });

    const again = await applyBatch(ctx.db, handlers, batch);
    expect(again.applied).toHaveLength(0);
    expect(await sold(sale.eventId)).toEqual({ [dealId]: 18 });
    // Redelivered shuffled, doubled and mixed with new events: only the new ones count.
    const late = placed(sale, "late", [[0, 5]]);
    await appendOrder(ctx.store, late);
    await appendOrderEnd(ctx.store, orders[5]!, "expire");
    const mixed = [...(await since(head))].reverse();
    const result = await applyBatch(ctx.db, handlers, [...mixed, ...batch]);
    expect(result.applied).toHaveLength(2);
    expect(await sold(sale.eventId)).toEqual({ [dealId]: 18 + 5 - 6 });
    expect((await orderRow(orders[0]!.orderId)).status).toBe("CANCELLED");
  });

  it("returns an order's units once, whichever of the two projections runs first", async () => {
    const reversed = combine(couponProjection, productProjection, orderProjection, saleProjection);
    const sale = await appendOpenSale(ctx.store, [10]);
    await applyBatch(ctx.db, reversed, await since(0));
    const head = await ctx.store.headPosition();
    const o = placed(sale, "rev", [[0, 4]]);
    await appendOrder(ctx.store, o);
    await appendOrderEnd(ctx.store, o, "cancel");
    // A second ending (no decider emits it) must not give the units back twice.
    await appendOrderEnd(ctx.store, o, "expire");
    await applyBatch(ctx.db, reversed, await since(head));
    expect(await sold(sale.eventId)).toEqual({ [sale.deals[0]!.dealId]: 0 });
    expect(await orderRow(o.orderId)).toMatchObject({ status: "CANCELLED", cancel_reason: "USER" });
  });

  it("follows a coupon claim through reserve, release and use", async () => {
    const coupon = await appendCoupon(ctx.store, 1);
    await applyBatch(ctx.db, handlers, await since(0));
    const row = await ctx.db.selectFrom("coupon_claims").selectAll().where("coupon_id", "=", coupon.couponId).executeTakeFirstOrThrow();
    const claim = { claimId: row.claim_id, couponId: coupon.couponId };
    const status = async () => {
      const r = await ctx.db.selectFrom("coupon_claims").select(["status", "order_id"]).where("claim_id", "=", claim.claimId).executeTakeFirstOrThrow();
      return [r.status, r.order_id];
    };
    const step = async (type: Parameters<typeof appendClaimEvent>[1], orderId: string) => {
      const head = await ctx.store.headPosition();
      await appendClaimEvent(ctx.store, type, claim, orderId);
      await applyBatch(ctx.db, handlers, await since(head));
      return status();
    };
    expect(await step("CouponClaimReserved", "o1")).toEqual(["RESERVED", "o1"]);
    expect(await step("CouponClaimReleased", "o1")).toEqual(["AVAILABLE", null]);
    expect(await step("CouponClaimReserved", "o2")).toEqual(["RESERVED", "o2"]);
    // Only the order holding the claim releases it (as the domain's evolve).
    expect(await step("CouponClaimReleased", "o1")).toEqual(["RESERVED", "o2"]);
    expect(await step("CouponClaimUsed", "o2")).toEqual(["USED", "o2"]);
  });
});
