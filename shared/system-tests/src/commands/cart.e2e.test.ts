import { describe, expect, it } from "vitest";
import { after, http, positionOf, problemCode, type HttpResponse } from "@surge/testkit/http";
import { createSale, freshKey, order, soldInStore, type SaleSpec } from "@surge/testkit/sales";
import { useApps } from "../apps.js";
import { claim, createCoupon, forgetKeyRecord } from "../command-harness.js";

const { ctx, apps } = useApps();

const admin = () => ctx.token("admin1", "admin");
const newSale = async (spec: SaleSpec) => createSale(apps.command, await admin(), spec);
const dealIds = (sale: { deals: Array<{ dealId: string }> }) => sale.deals.map((d) => d.dealId);
const setLine = (token: string, dealId: string, quantity: unknown) => http("PUT", `${apps.command}/cart/items/${dealId}`, { token, body: { quantity } });
const removeLine = (token: string, dealId: string) => http("DELETE", `${apps.command}/cart/items/${dealId}`, { token });
const myCart = async (token: string, headers: Record<string, string>) => {
  const res = await http("GET", `${apps.query}/me/cart`, { token, headers });
  expect(res.status).toBe(200);
  return res.body;
};
const orderCart = (token: string, key = freshKey(), extra: Record<string, unknown> = {}) =>
  http("POST", `${apps.command}/orders`, { token, headers: { "idempotency-key": key }, body: { fromCart: true, ...extra } });
const expectRejected = (res: HttpResponse, status: number, code: string) => expect([res.status, problemCode(res)], res.text).toEqual([status, code]);

describe("the cart", () => {
  it("sets, changes and removes lines; the query side shows what the command side answered", async () => {
    const sale = await newSale({
      deals: [
        { price: 9_900, stock: 10, perUserLimit: 5 },
        { price: 5_000, stock: 3 },
      ],
    });
    const [d1, d2] = dealIds(sale) as [string, string];
    const token = await ctx.token("shopper");
    const line = (dealId: string, i: number, quantity: number, price: number, stock: number) => ({
      dealId,
      eventId: sale.eventId,
      productId: sale.deals[i]!.productId,
      productName: `Product ${i + 1}`,
      unitPrice: price,
      quantity,
      lineAmount: price * quantity,
      remaining: stock,
      eventStatus: "OPEN",
    });

    const a = await setLine(token, d1, 2);
    expect(a.status).toBe(200);
    expect(a.body).toEqual({ items: [line(d1, 0, 2, 9_900, 10)], totalAmount: 19_800, updatedAt: expect.any(String) });
    await setLine(token, d2, 1);
    const c = await setLine(token, d1, 3);
    // A new quantity keeps the line where it was.
    expect(c.body).toMatchObject({ items: [line(d1, 0, 3, 9_900, 10), line(d2, 1, 1, 5_000, 3)], totalAmount: 34_700 });
    expect(await myCart(token, after(c))).toEqual(c.body);

    const removed = await removeLine(token, d2);
    expect(removed.body).toMatchObject({ items: [line(d1, 0, 3, 9_900, 10)], totalAmount: 29_700 });
    // Removing it again, or setting the same quantity, changes nothing and still answers the cart.
    const again = await removeLine(token, d2);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(removed.body);
    expect((await setLine(token, d1, 3)).body).toEqual(removed.body);
    expect(await myCart(token, after(removed))).toEqual(removed.body);
    // A cart holds no stock.
    expect(await soldInStore(ctx, sale.eventId)).toEqual({});
  });

  it("an order from the cart placed 20 times at once with one Idempotency-Key: one order, an empty cart", async () => {
    const sale = await newSale({
      deals: [
        { price: 10_000, stock: 50, perUserLimit: 10 },
        { price: 3_000, stock: 50 },
      ],
    });
    const [d1, d2] = dealIds(sale) as [string, string];
    const token = await ctx.token("rush");
    await setLine(token, d1, 2);
    await setLine(token, d2, 3);

    const key = freshKey();
    const replies = await Promise.all(Array.from({ length: 20 }, () => orderCart(token, key)));
    expect(replies.map((r) => r.status)).toEqual(Array(20).fill(201));
    const first = replies[0]!;
    for (const r of replies) expect(r.body).toEqual(first.body);
    expect(first.body).toMatchObject({
      status: "PENDING_PAYMENT",
      eventId: sale.eventId,
      items: [
        { dealId: d1, quantity: 2, lineAmount: 20_000 },
        { dealId: d2, quantity: 3, lineAmount: 9_000 },
      ],
      totalAmount: 29_000,
      payableAmount: 29_000,
    });
    expect(new Set(replies.map((r) => r.headers["x-position"])).size).toBe(1);

    const placed = (await ctx.store.readByTag(`event:${sale.eventId}`)).filter((e) => e.type === "OrderPlaced");
    expect(placed).toHaveLength(1);
    expect(await soldInStore(ctx, sale.eventId)).toEqual({ [d1]: 2, [d2]: 3 });
    const cartEvents = await ctx.store.readStream("cart-rush");
    expect(cartEvents.map((e) => e.type)).toEqual(["CartItemSet", "CartItemSet", "CartCheckedOut"]);
    // The order and the emptied cart are one append: adjacent positions, X-Position the last of them.
    expect(cartEvents[2]!.position).toBe(placed[0]!.position + 1);
    expect(positionOf(first)).toBe(cartEvents[2]!.position);
    expect(await myCart(token, after(first))).toEqual({ items: [], totalAmount: 0, updatedAt: cartEvents[2]!.occurredAt.toISOString() });

    // The same key again after Redis lost its record: answered from the store, still one order.
    await forgetKeyRecord(ctx, "rush", key);
    const replay = await orderCart(token, key);
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(first.body);
    expect(replay.headers["x-position"]).toBe(first.headers["x-position"]);
    // A new key with the cart empty: 400.
    expectRejected(await orderCart(token), 400, "VALIDATION_FAILED");
    expect((await ctx.store.readByTag(`event:${sale.eventId}`)).filter((e) => e.type === "OrderPlaced")).toHaveLength(1);
  });

  it("a cart with lines of two sale events gives 400 and stays as it was", async () => {
    const [one, two] = [await newSale({ deals: [{ price: 1_000, stock: 5 }] }), await newSale({ deals: [{ price: 2_000, stock: 5 }] })];
    const token = await ctx.token("mixed");
    await setLine(token, one.deals[0]!.dealId, 1);
    const last = await setLine(token, two.deals[0]!.dealId, 1);
    const head = await ctx.store.headPosition();
    const res = await orderCart(token);
    expectRejected(res, 400, "VALIDATION_FAILED");
    expect(res.body.errors).toEqual([{ path: "fromCart", message: "the cart holds deals of several sale events" }]);
    expect(await ctx.store.headPosition()).toBe(head);
    expect(await myCart(token, after(last))).toEqual(last.body);
    expect(await soldInStore(ctx, one.eventId)).toEqual({});
  });

  it("orders a cart under the rules of items: all or nothing, limits, coupon", async () => {
    const sale = await newSale({
      deals: [
        { price: 10_000, stock: 100, perUserLimit: 2 },
        { price: 4_000, stock: 1 },
      ],
    });
    const [d1, d2] = dealIds(sale) as [string, string];
    const token = await ctx.token("rules");

    const other = await order(apps.command, await ctx.token("quicker"), [{ dealId: d2, quantity: 1 }]);
    expect(other.status).toBe(201);
    await setLine(token, d1, 1);
    const both = await setLine(token, d2, 1);
    const head = await ctx.store.headPosition();
    const soldOut = await orderCart(token);
    expectRejected(soldOut, 409, "SOLD_OUT");
    expect(soldOut.body).toMatchObject({ dealId: d2, available: 0 });
    // Nothing of the other line was taken, and the cart is as it was.
    expect(await ctx.store.headPosition()).toBe(head);
    expect(await soldInStore(ctx, sale.eventId)).toEqual({ [d2]: 1 });
    expect(await myCart(token, after(both))).toEqual(both.body);

    await removeLine(token, d2);
    const overLimit = await setLine(token, d1, 3);
    expectRejected(await orderCart(token), 409, "PURCHASE_LIMIT_EXCEEDED");
    expect(await myCart(token, after(overLimit))).toEqual(overLimit.body);

    const coupon = await createCoupon(apps.command, await admin(), { name: "CART 10%", discount: { type: "PERCENT", percent: 10 }, quantity: 5 });
    const claimed = await claim(apps.command, coupon.couponId, token);
    await setLine(token, d1, 2);
    const placed = await orderCart(token, freshKey(), { couponClaimId: claimed.body.claimId });
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({
      items: [{ dealId: d1, quantity: 2 }],
      totalAmount: 20_000,
      discountAmount: 2_000,
      payableAmount: 18_000,
      couponClaimId: claimed.body.claimId,
    });
    const claims = await http("GET", `${apps.query}/me/coupons`, { token, headers: after(placed) });
    expect(claims.body.items).toMatchObject([{ claimId: claimed.body.claimId, status: "RESERVED", orderId: placed.body.orderId }]);
    expect((await myCart(token, after(placed))).items).toEqual([]);
    expect(await soldInStore(ctx, sale.eventId)).toEqual({ [d1]: 2, [d2]: 1 });
  });

  it("refuses bad input with 4xx problems that change nothing", async () => {
    const sale = await newSale({ deals: [{ price: 1_000, stock: 5 }] });
    const dealId = sale.deals[0]!.dealId;
    const token = await ctx.token("careless");
    const head = await ctx.store.headPosition();
    for (const quantity of [0, 100, 1.5, "1", null]) expectRejected(await setLine(token, dealId, quantity), 400, "VALIDATION_FAILED");
    expectRejected(await http("PUT", `${apps.command}/cart/items/${dealId}`, { token, body: { quantity: 1, price: 5 } }), 400, "VALIDATION_FAILED");
    expectRejected(await setLine(token, "no-such-deal", 1), 404, "NOT_FOUND");
    expectRejected(await setLine(token, `${sale.eventId}-d9`, 1), 404, "NOT_FOUND");
    expectRejected(await removeLine(token, "no-such-deal"), 404, "NOT_FOUND");
    expectRejected(await http("PUT", `${apps.command}/cart/items/${dealId}`, { body: { quantity: 1 } }), 401, "UNAUTHENTICATED");
    expectRejected(await http("GET", `${apps.query}/me/cart`), 401, "UNAUTHENTICATED");
    for (const body of [{ fromCart: false }, { fromCart: true, items: [{ dealId, quantity: 1 }] }, {}, { fromCart: "yes" }]) {
      expectRejected(await http("POST", `${apps.command}/orders`, { token, headers: { "idempotency-key": freshKey() }, body }), 400, "VALIDATION_FAILED");
    }
    expectRejected(await orderCart(token), 400, "VALIDATION_FAILED"); // empty cart
    expect(await ctx.store.headPosition()).toBe(head);

    // At most 20 lines.
    const big = await newSale({ deals: Array.from({ length: 21 }, () => ({ price: 100, stock: 5 })) });
    for (const d of dealIds(big).slice(0, 20)) expect((await setLine(token, d, 1)).status).toBe(200);
    expectRejected(await setLine(token, big.deals[20]!.dealId, 1), 400, "VALIDATION_FAILED");
    // And an order takes at most 10 of them.
    expectRejected(await orderCart(token), 400, "VALIDATION_FAILED");
  });
});
