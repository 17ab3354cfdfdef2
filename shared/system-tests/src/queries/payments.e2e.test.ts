import { describe, expect, it } from "vitest";
import { decideOrder, type LiveOrder } from "@surge/areas/orders/order";
import { loadOrder } from "@surge/areas/orders/place";
import { orderEventTypes, orderStream } from "@surge/areas/orders/events";
import { saleTag } from "@surge/areas/sales/events";
import { viewOf, type OrderView } from "@surge/areas/orders/view";
import { bindEvents } from "@surge/platform/events/new-event";
import { useApps } from "../apps.js";
import { unauthenticated } from "../bad-tokens.js";
import { after, http, problemCode, type HttpResponse } from "@surge/testkit/http";
import { rawEvent, rawMetadata } from "@surge/testkit/raw-event";
import { createSale, placeOrder } from "@surge/testkit/sales";

const { ctx, apps } = useApps();

let keys = 0;
const key = () => `pay-${process.pid}-${Date.now()}-${++keys}`;
const atPosition = (n: number) => ({ "X-Min-Position": String(n) });

const charge = async (token: string, amount: number, idempotencyKey = key()) => {
  const res = await http("POST", `${apps.command}/wallet/charges`, { token, headers: { "idempotency-key": idempotencyKey }, body: { amount } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res;
};
const pay = async (token: string, orderId: string, idempotencyKey = key()) => {
  const res = await http("POST", `${apps.command}/orders/${orderId}/payments`, {
    token,
    headers: { "idempotency-key": idempotencyKey },
    body: { method: "POINTS" },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res;
};
const getWallet = async (token: string, headers: Record<string, string>) => {
  const res = await http("GET", `${apps.query}/me/wallet`, { token, headers });
  expect(res.status).toBe(200);
  return res.body;
};
const getOrder = async (token: string, orderId: string, headers: Record<string, string>) => {
  const res = await http("GET", `${apps.query}/orders/${orderId}`, { token, headers });
  expect(res.status).toBe(200);
  return res.body as unknown as OrderView;
};
const getEvent = async (eventId: string, headers: Record<string, string>) => (await http("GET", `${apps.query}/events/${eventId}`, { headers })).body;

/** What the command side shows for the order: its OrderView folded from the order's stream. */
const commandView = async (orderId: string): Promise<OrderView> => viewOf((await loadOrder(ctx.store, orderId)).state as LiveOrder);

/** Appends the command side's decision on an order straight to its stream (as the goods allocator will). */
async function decideOnOrder(orderId: string, command: { type: "AllocateGoods"; name: string }): Promise<number> {
  const { state, version } = await loadOrder(ctx.store, orderId);
  if (state.status === "absent") throw new Error("no order");
  const events = decideOrder(state, { ...command, now: new Date() });
  expect(events.map((e) => e.type)).toEqual(["GoodsAllocated"]);
  return (
    await ctx.store.append(orderStream(orderId), version, bindEvents(orderEventTypes, events, { tag: saleTag(state.order.eventId), metadata: rawMetadata() }))
  ).lastPosition;
}
async function appendRaw(orderId: string, eventId: string, type: string, data: unknown): Promise<number> {
  return (await ctx.store.append(orderStream(orderId), "any", [rawEvent(type, data, { tag: saleTag(eventId) })])).lastPosition;
}

const admin = () => ctx.token("admin1", "admin");
async function createCouponClaim(token: string, amount: number) {
  const coupon = await http("POST", `${apps.command}/admin/coupons`, {
    token: await admin(),
    body: { name: `OFF ${amount}`, discount: { type: "FIXED", amount }, quantity: 10 },
  });
  expect(coupon.status).toBe(201);
  const claim = await http("POST", `${apps.command}/coupons/${coupon.body.couponId}/claims`, { token });
  expect(claim.status).toBe(201);
  return String(claim.body.claimId);
}

describe("payments, wallets and goods on the read side", () => {
  it("shows a POINTS payment, the debited wallet, and everything restored once after cancelling the paid order", async () => {
    const token = await ctx.token("payer");
    expect(await getWallet(token, {})).toEqual({ balance: 0, updatedAt: null });

    const charged = await charge(token, 50_000);
    const wallet = await getWallet(token, after(charged));
    expect(wallet).toEqual({ balance: 50_000, updatedAt: expect.any(String) });

    const claimId = await createCouponClaim(token, 1_000);
    const sale = await createSale(apps.command, await ctx.token("admin1", "admin"), {
      deals: [{ price: 9_900, stock: 10 }],
      goods: { name: "Tote bag", quantity: 3 },
    });
    const dealId = sale.deals[0]!.dealId;
    const placed = await placeOrder(apps.command, token, [{ dealId, quantity: 2 }], { couponClaimId: claimId });
    const orderId = String(placed.body.orderId);
    expect(placed.body).toMatchObject({ totalAmount: 19_800, discountAmount: 1_000, payableAmount: 18_800 });

    const paid = await pay(token, orderId);
    const view = await getOrder(token, orderId, after(paid));
    expect(view).toEqual(await commandView(orderId));
    expect(view).toMatchObject({
      status: "PAID",
      payment: { paymentId: paid.body.paymentId, method: "POINTS", status: "SUCCEEDED", amount: 18_800 },
      goods: null,
      paidAt: expect.any(String),
      cancelReason: null,
    });
    expect(view.updatedAt).toBe(view.paidAt);
    const mine = await http("GET", `${apps.query}/me/orders`, { token, headers: after(paid) });
    expect((mine.body.items as OrderView[]).find((o) => o.orderId === orderId)).toEqual(view);
    expect(await getWallet(token, after(paid))).toEqual({ balance: 50_000 - 18_800, updatedAt: view.paidAt });
    const coupons = async (headers: Record<string, string>) => (await http("GET", `${apps.query}/me/coupons`, { token, headers })).body.items as any[];
    expect(await coupons(after(paid))).toMatchObject([{ claimId, status: "USED", orderId }]);
    // A payment does not change what is sold: the order held its units since it was placed.
    expect((await getEvent(sale.eventId, after(paid))).deals).toMatchObject([{ stock: 10, sold: 2, remaining: 8 }]);

    const cancelled = await http("POST", `${apps.command}/orders/${orderId}/cancel`, { token });
    expect(cancelled.status).toBe(200);
    const afterCancel = await getOrder(token, orderId, after(cancelled));
    expect(afterCancel).toEqual(cancelled.body);
    expect(afterCancel).toEqual(await commandView(orderId));
    expect(afterCancel).toMatchObject({ status: "CANCELLED", cancelReason: "USER", payment: { status: "REFUNDED", amount: 18_800 }, paidAt: view.paidAt });
    expect(await getWallet(token, after(cancelled))).toEqual({ balance: 50_000, updatedAt: afterCancel.updatedAt });
    expect((await getEvent(sale.eventId, after(cancelled))).deals).toMatchObject([{ stock: 10, sold: 0, remaining: 10 }]);
    expect(await coupons(after(cancelled))).toMatchObject([{ claimId, status: "AVAILABLE", orderId: null }]);

    // Repeats change nothing: a second cancel is refused, a replayed payment and charge are replays.
    const again = await http("POST", `${apps.command}/orders/${orderId}/cancel`, { token });
    expect(again.status).toBe(409);
    const replay = await http("POST", `${apps.command}/wallet/charges`, { token, headers: { "idempotency-key": "charge-once" }, body: { amount: 1 } });
    const replayed = await http("POST", `${apps.command}/wallet/charges`, { token, headers: { "idempotency-key": "charge-once" }, body: { amount: 1 } });
    expect(replayed.headers["idempotency-replayed"]).toBe("true");
    expect(await getWallet(token, after(replay))).toMatchObject({ balance: 50_001 });
    expect((await getEvent(sale.eventId, after(replay))).deals).toMatchObject([{ stock: 10, sold: 0, remaining: 10 }]);
  });

  it("shows goods allocated, shipped, delivered and released, and counts them on the event", async () => {
    const token = await ctx.token("collector");
    await charge(token, 100_000);
    const sale = await createSale(apps.command, await ctx.token("admin1", "admin"), {
      deals: [{ price: 5_000, stock: 10 }],
      goods: { name: "Tote bag", quantity: 3 },
    });
    const orders = [];
    for (let i = 0; i < 3; i++) {
      const placed = await placeOrder(apps.command, token, [{ dealId: sale.deals[0]!.dealId, quantity: 1 }]);
      await pay(token, String(placed.body.orderId));
      orders.push(String(placed.body.orderId));
    }
    const [a, b, c] = orders as [string, string, string];
    let position = 0;
    for (const id of orders) position = await decideOnOrder(id, { type: "AllocateGoods", name: "Tote bag" });

    for (const id of orders) {
      const view = await getOrder(token, id, atPosition(position));
      expect(view).toEqual(await commandView(id));
      expect(view.goods).toEqual({ name: "Tote bag", status: "ALLOCATED" });
    }
    expect((await getEvent(sale.eventId, atPosition(position))).goods).toEqual({ name: "Tote bag", quantity: 3, allocated: 3 });

    // Shipped and delivered through command-api's admin routes.
    const shipped = await http("POST", `${apps.command}/admin/orders/${a}/goods/ship`, { token: await admin(), body: { trackingNo: "TRK-1" } });
    expect(shipped.status).toBe(200);
    expect(await getOrder(token, a, after(shipped))).toEqual(shipped.body);
    const delivered = await http("POST", `${apps.command}/admin/orders/${a}/goods/deliver`, { token: await admin() });
    expect(delivered.status).toBe(200);
    const deliveredView = await getOrder(token, a, after(delivered));
    expect(deliveredView).toEqual(delivered.body);
    expect(deliveredView.goods).toEqual({ name: "Tote bag", status: "DELIVERED" });

    // Released by an event appended directly, and by cancelling a paid order holding goods.
    position = await appendRaw(b, sale.eventId, "GoodsReleased", { orderId: b, eventId: sale.eventId, releasedAt: new Date().toISOString() });
    const released = await getOrder(token, b, atPosition(position));
    expect(released).toEqual(await commandView(b));
    expect(released).toMatchObject({ status: "PAID", goods: null });
    expect((await getEvent(sale.eventId, atPosition(position))).goods).toEqual({ name: "Tote bag", quantity: 3, allocated: 2 });

    const cancelled = await http("POST", `${apps.command}/orders/${c}/cancel`, { token });
    expect(cancelled.status).toBe(200);
    expect(await getOrder(token, c, after(cancelled))).toEqual(cancelled.body);
    expect(cancelled.body).toMatchObject({ status: "CANCELLED", goods: null, payment: { status: "REFUNDED" } });
    const event = await getEvent(sale.eventId, after(cancelled));
    expect(event.goods).toEqual({ name: "Tote bag", quantity: 3, allocated: 1 });
    expect(event.deals).toMatchObject([{ stock: 10, sold: 2, remaining: 8 }]);
    expect(await getWallet(token, after(cancelled))).toMatchObject({ balance: 100_000 - 2 * 5_000 });
  });

  it("answers /me/wallet with the X-Projection-Position header and the contract's shape", async () => {
    const token = await ctx.token("shape");
    const charged = await charge(token, 1_234);
    const res = await http("GET", `${apps.query}/me/wallet`, { token, headers: after(charged) });
    expect(res.status).toBe(200);
    expect(Number(res.headers["x-projection-position"])).toBeGreaterThanOrEqual(Number(charged.headers["x-position"]));
    expect(Object.keys(res.body).sort()).toEqual(["balance", "updatedAt"]);
    expect(new Date(String(res.body.updatedAt)).toISOString()).toBe(res.body.updatedAt);
    // Each user sees only their own wallet.
    expect(await getWallet(await ctx.token("someone-else"), after(charged))).toEqual({ balance: 0, updatedAt: null });
    const doc = await http("GET", `${apps.query}/openapi.json`);
    expect(Object.keys(doc.body.paths as object)).toContain("/me/wallet");
  });

  it("refuses /me/wallet without a valid token with 401", async () => {
    const cases = await unauthenticated(ctx);
    for (const [name, headers] of cases) {
      const res: HttpResponse = await http("GET", `${apps.query}/me/wallet`, { headers });
      expect(res.status, name).toBe(401);
      expect(problemCode(res)).toBe("UNAUTHENTICATED");
    }
    const bad = await http("GET", `${apps.query}/me/wallet`, { token: await ctx.token("u1"), headers: { "X-Min-Position": "abc" } });
    expect(bad.status).toBe(400);
    expect(problemCode(bad)).toBe("VALIDATION_FAILED");
  });
});
