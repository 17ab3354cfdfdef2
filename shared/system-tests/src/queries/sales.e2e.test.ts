import { describe, expect, it } from "vitest";
import { useApps } from "../apps.js";
import { after, http, problemCode } from "@surge/testkit/http";
import { createSale, placeOrder } from "@surge/testkit/sales";

const { ctx, apps } = useApps();

const hour = 3600_000;
const getEvent = async (eventId: string, headers: Record<string, string> = {}) => {
  const res = await http("GET", `${apps.query}/events/${eventId}`, { headers });
  expect(res.status).toBe(200);
  return res.body;
};

describe("sale events and orders over HTTP", () => {
  it("shows sold and remaining per deal, the order as placed, and the stock back after a cancel", async () => {
    const sale = await createSale(apps.command, await ctx.token("admin1", "admin"), {
      deals: [
        { price: 9_900, stock: 10 },
        { price: 5_000, stock: 5, perUserLimit: 2 },
      ],
      goods: { name: "Tote bag", quantity: 3 },
    });
    const [d1, d2] = sale.deals.map((d) => d.dealId) as [string, string];
    const alice = await ctx.token("alice");
    const a = await placeOrder(apps.command, alice, [
      { dealId: d1, quantity: 2 },
      { dealId: d2, quantity: 1 },
    ]);
    const b = await placeOrder(apps.command, await ctx.token("bob"), [{ dealId: d1, quantity: 3 }]);

    const event = await http("GET", `${apps.query}/events/${sale.eventId}`, { headers: after(b) });
    expect(event.status).toBe(200);
    expect(Number(event.headers["x-projection-position"])).toBeGreaterThanOrEqual(Number(b.headers["x-position"]));
    const created = sale.reply.body;
    const deal = (i: number, sold: number) => ({ ...created.deals[i], productName: `Product ${i + 1}`, sold, remaining: created.deals[i].stock - sold });
    expect(event.body).toEqual({
      eventId: sale.eventId,
      name: "Flash",
      status: "OPEN",
      opensAt: created.opensAt,
      closesAt: null,
      deals: [deal(0, 5), deal(1, 1)],
      goods: { name: "Tote bag", quantity: 3, allocated: 0 },
    });

    // The read side's OrderView is the command side's, field for field.
    const order = await http("GET", `${apps.query}/orders/${a.body.orderId}`, { token: alice, headers: after(b) });
    expect(order.status).toBe(200);
    expect(order.body).toEqual(a.body);
    expect(order.body).toMatchObject({
      status: "PENDING_PAYMENT",
      cancelReason: null,
      payment: null,
      goods: null,
      paidAt: null,
      updatedAt: a.body.createdAt,
      totalAmount: 24_800,
    });

    const cancelled = await http("POST", `${apps.command}/orders/${a.body.orderId}/cancel`, { token: alice });
    expect(cancelled.status).toBe(200);
    const view = await http("GET", `${apps.query}/orders/${a.body.orderId}`, { token: alice, headers: after(cancelled) });
    expect(view.body).toEqual(cancelled.body);
    expect(view.body).toMatchObject({ status: "CANCELLED", cancelReason: "USER", updatedAt: expect.any(String) });
    expect((await getEvent(sale.eventId, after(cancelled))).deals).toEqual([deal(0, 3), deal(1, 0)]);
  });

  it("shows an order to its owner and to admins only; anyone else gets 404", async () => {
    const sale = await createSale(apps.command, await ctx.token("admin1", "admin"), { deals: [{ price: 1_000, stock: 5 }] });
    const placed = await placeOrder(apps.command, await ctx.token("owner"), [{ dealId: sale.deals[0]!.dealId, quantity: 1 }]);
    const path = `/orders/${placed.body.orderId}`;
    const admin = await http("GET", `${apps.query}${path}`, { token: await ctx.token("root", "admin"), headers: after(placed) });
    expect(admin.status).toBe(200);
    expect(admin.body).toEqual(placed.body);
    const stranger = await http("GET", `${apps.query}${path}`, { token: await ctx.token("stranger"), headers: after(placed) });
    expect(stranger.status).toBe(404);
    expect(problemCode(stranger)).toBe("NOT_FOUND");
    const unknown = await http("GET", `${apps.query}/orders/00000000-0000-5000-8000-000000000000`, { token: await ctx.token("owner") });
    expect(unknown.status).toBe(404);
    expect(problemCode(unknown)).toBe("NOT_FOUND");
  });

  it("shows a coupon claim RESERVED by an order, and AVAILABLE again after the cancel", async () => {
    const admin = await ctx.token("admin1", "admin");
    const coupon = await http("POST", `${apps.command}/admin/coupons`, {
      token: admin,
      body: { name: "WELCOME 1000", discount: { type: "FIXED", amount: 1000 }, quantity: 10 },
    });
    expect(coupon.status).toBe(201);
    const carol = await ctx.token("carol");
    const claim = await http("POST", `${apps.command}/coupons/${coupon.body.couponId}/claims`, { token: carol });
    expect(claim.status).toBe(201);
    const claimId = String(claim.body.claimId);
    const sale = await createSale(apps.command, await ctx.token("admin1", "admin"), { deals: [{ price: 9_900, stock: 5 }] });
    const placed = await placeOrder(apps.command, carol, [{ dealId: sale.deals[0]!.dealId, quantity: 1 }], { couponClaimId: claimId });
    expect(placed.body).toMatchObject({ couponClaimId: claimId, discountAmount: 1000, payableAmount: 8_900 });

    const mine = async (headers: Record<string, string>) => (await http("GET", `${apps.query}/me/coupons`, { token: carol, headers })).body.items as any[];
    expect(await mine(after(placed))).toMatchObject([{ claimId, status: "RESERVED", orderId: placed.body.orderId }]);
    expect((await http("GET", `${apps.query}/orders/${placed.body.orderId}`, { token: carol, headers: after(placed) })).body).toEqual(placed.body);

    const cancelled = await http("POST", `${apps.command}/orders/${placed.body.orderId}/cancel`, { token: carol });
    expect(cancelled.status).toBe(200);
    expect(await mine(after(cancelled))).toMatchObject([{ claimId, status: "AVAILABLE", orderId: null }]);
  });

  it("lists events by opening time with a status filter and keyset pages", async () => {
    const admin = await ctx.token("admin1", "admin");
    const base = Date.now() + 24 * hour;
    // Created out of order; the list sorts them by opensAt.
    const scheduled = [];
    for (const i of [3, 0, 4, 1, 2])
      scheduled[i] = await createSale(apps.command, await ctx.token("admin1", "admin"), {
        deals: [{ price: 1_000, stock: 5 }],
        opensAt: new Date(base + i * hour).toISOString(),
      });
    const open = await createSale(apps.command, await ctx.token("admin1", "admin"), { deals: [{ price: 1_000, stock: 5 }] });
    const closed = await http("POST", `${apps.command}/admin/events/${scheduled[4]!.eventId}/close`, { token: admin });
    expect(closed.status).toBe(200);
    const headers = after(closed);

    const ids: string[] = [];
    let cursor: string | null = "";
    let pages = 0;
    while (cursor !== null) {
      const res = await http("GET", `${apps.query}/events?status=SCHEDULED&limit=2&cursor=${cursor}`, { headers });
      expect(res.status).toBe(200);
      const items = res.body.items as any[];
      expect(items.length).toBeLessThanOrEqual(2);
      for (const e of items) expect(e).toMatchObject({ status: "SCHEDULED", deals: [{ stock: 5, sold: 0, remaining: 5 }], goods: null });
      ids.push(...items.map((e) => e.eventId));
      cursor = res.body.nextCursor as string | null;
      pages++;
    }
    expect(ids).toEqual(scheduled.slice(0, 4).map((s) => s.eventId));
    expect(pages).toBe(2);

    const openList = await http("GET", `${apps.query}/events?status=OPEN&limit=100`, { headers: after(open.reply) });
    expect((openList.body.items as any[]).map((e) => e.eventId)).toContain(open.eventId);
    expect((openList.body.items as any[]).every((e) => e.status === "OPEN")).toBe(true);
    const closedList = await http("GET", `${apps.query}/events?status=CLOSED`, { headers });
    expect(closedList.body).toEqual({ items: [await getEvent(scheduled[4]!.eventId)], nextCursor: null });
    // No filter (and `status=`): every event, all on one page at limit 100.
    const everything = await http("GET", `${apps.query}/events?status=&limit=100`, { headers });
    expect((everything.body.items as any[]).map((e) => e.eventId)).toEqual(expect.arrayContaining([...scheduled.map((s) => s.eventId), open.eventId]));
  });

  it("shows a scheduled event opening when an admin forces it", async () => {
    const sale = await createSale(apps.command, await ctx.token("admin1", "admin"), {
      deals: [{ price: 1_000, stock: 5 }],
      opensAt: new Date(Date.now() + hour).toISOString(),
    });
    expect((await getEvent(sale.eventId, after(sale.reply))).status).toBe("SCHEDULED");
    const opened = await http("POST", `${apps.command}/admin/events/${sale.eventId}/open`, { token: await ctx.token("admin1", "admin") });
    expect((await getEvent(sale.eventId, after(opened))).status).toBe("OPEN");
  });
});
