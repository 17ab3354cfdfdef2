import { beforeAll, describe, expect, it } from "vitest";
import { bearer, http } from "@surge/testkit/http";
import { cancel, createSale, order, soldInStore } from "@surge/testkit/sales";
import { tally, useApi } from "../command-harness.js";

const { ctx, api } = useApi();
let admin: string;
beforeAll(async () => {
  admin = await ctx.token("admin1", "admin");
});
const users = (n: number, prefix: string) => Promise.all(Array.from({ length: n }, (_, i) => ctx.token(`${prefix}${i}`)));

describe("no oversell", () => {
  it("100 users × 1 on stock 10 → exactly 10 orders", async () => {
    const sale = await createSale(api.url, admin, { deals: [{ price: 9_900, stock: 10, perUserLimit: 1 }] });
    const dealId = sale.deals[0]!.dealId;
    const results = await Promise.all((await users(100, "a")).map((t) => order(api.url, t, [{ dealId, quantity: 1 }])));
    expect(tally(results)).toEqual({ "201": 10, "409 SOLD_OUT": 90 });
    for (const r of results.filter((r) => r.status === 409)) expect(r.body).toMatchObject({ dealId, available: 0 });
    expect(await soldInStore(ctx, sale.eventId)).toEqual({ [dealId]: 10 });
    expect(await api.stock.remaining(sale.eventId)).toEqual({ [dealId]: 0 });
  });

  it("50 users × 2 on stock 100 → 50 orders", async () => {
    const sale = await createSale(api.url, admin, { deals: [{ price: 1_000, stock: 100, perUserLimit: 2 }] });
    const dealId = sale.deals[0]!.dealId;
    const results = await Promise.all((await users(50, "b")).map((t) => order(api.url, t, [{ dealId, quantity: 2 }])));
    expect(tally(results)).toEqual({ "201": 50 });
    expect(await soldInStore(ctx, sale.eventId)).toEqual({ [dealId]: 100 });
    const more = await order(api.url, await ctx.token("late-b"), [{ dealId, quantity: 1 }]);
    expect(more.body).toMatchObject({ code: "SOLD_OUT", dealId, available: 0 });
  });

  it("one user, 20 concurrent orders, perUserLimit 2 → total quantity 2", async () => {
    const sale = await createSale(api.url, admin, { deals: [{ price: 1_000, stock: 100, perUserLimit: 2 }] });
    const dealId = sale.deals[0]!.dealId;
    const token = await ctx.token("greedy");
    const results = await Promise.all(Array.from({ length: 20 }, () => order(api.url, token, [{ dealId, quantity: 1 }])));
    expect(tally(results)).toEqual({ "201": 2, "409 PURCHASE_LIMIT_EXCEEDED": 18 });
    expect(await soldInStore(ctx, sale.eventId)).toEqual({ [dealId]: 2 });
  });

  it("perUserLimit 5 on a deal of 3 units: accepted, and one user may buy all 3 but not a 4th", async () => {
    const sale = await createSale(api.url, admin, { deals: [{ price: 1_000, stock: 3, perUserLimit: 5 }] });
    const dealId = sale.deals[0]!.dealId;
    const token = await ctx.token("collector");
    expect((await order(api.url, token, [{ dealId, quantity: 3 }])).status).toBe(201);
    expect((await order(api.url, token, [{ dealId, quantity: 1 }])).body).toMatchObject({ code: "SOLD_OUT", dealId, available: 0 });
    expect(await soldInStore(ctx, sale.eventId)).toEqual({ [dealId]: 3 });
  });

  it("one line in stock and one over stock → 409 and nothing reserved", async () => {
    const sale = await createSale(api.url, admin, {
      deals: [
        { price: 1_000, stock: 5 },
        { price: 2_000, stock: 3 },
      ],
    });
    const [d1, d2] = sale.deals.map((d) => d.dealId) as [string, string];
    expect((await order(api.url, await ctx.token("early"), [{ dealId: d2, quantity: 2 }])).status).toBe(201);
    const res = await order(api.url, await ctx.token("mixed"), [
      { dealId: d1, quantity: 2 },
      { dealId: d2, quantity: 2 },
    ]);
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: "SOLD_OUT", dealId: d2, available: 1 });
    expect(await api.stock.remaining(sale.eventId)).toEqual({ [d1]: 5, [d2]: 1 });
    expect(await soldInStore(ctx, sale.eventId)).toEqual({ [d2]: 2 });
  });

  it("answers 201 with the contract's order body", async () => {
    const sale = await createSale(api.url, admin, {
      deals: [
        { price: 9_900, stock: 5 },
        { price: 5_000, stock: 5 },
      ],
    });
    const [d1, d2] = sale.deals.map((d) => d.dealId) as [string, string];
    const res = await order(api.url, await ctx.token("shape"), [
      { dealId: d1, quantity: 2 },
      { dealId: d2, quantity: 1 },
    ]);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      orderId: expect.any(String),
      status: "PENDING_PAYMENT",
      eventId: sale.eventId,
      items: [
        { dealId: d1, productId: expect.any(String), productName: "Product 1", quantity: 2, unitPrice: 9_900, lineAmount: 19_800 },
        { dealId: d2, quantity: 1, unitPrice: 5_000, lineAmount: 5_000 },
      ],
      totalAmount: 24_800,
      discountAmount: 0,
      payableAmount: 24_800,
      couponClaimId: null,
    });
    expect(Date.parse(res.body.expiresAt) - Date.parse(res.body.createdAt)).toBe(600_000);
    expect(Number(res.headers["x-position"])).toBeGreaterThan(0);
  });
});

describe("event windows", () => {
  it("refuses orders before open and after close, and opens and closes on admin command", async () => {
    const sale = await createSale(api.url, admin, { deals: [{ price: 1_000, stock: 5 }], opensAt: new Date(Date.now() + 3600_000).toISOString() });
    expect(sale.status).toBe("SCHEDULED");
    const dealId = sale.deals[0]!.dealId;
    const token = await ctx.token("window");
    expect((await order(api.url, token, [{ dealId, quantity: 1 }])).body.code).toBe("EVENT_NOT_OPEN");

    const opened = await Promise.all(Array.from({ length: 5 }, () => http("POST", `${api.url}/admin/events/${sale.eventId}/open`, { headers: bearer(admin) })));
    expect(opened.map((r) => r.body.status)).toEqual(Array(5).fill("OPEN"));
    const stream = await ctx.store.readStream(`event-${sale.eventId}`);
    expect(stream.filter((e) => e.type === "EventOpened")).toHaveLength(1);
    expect((await order(api.url, token, [{ dealId, quantity: 1 }])).status).toBe(201);

    const closed = await http("POST", `${api.url}/admin/events/${sale.eventId}/close`, { headers: bearer(admin) });
    expect(closed.body.status).toBe("CLOSED");
    expect((await order(api.url, token, [{ dealId, quantity: 1 }])).body.code).toBe("EVENT_NOT_OPEN");
    const reopen = await http("POST", `${api.url}/admin/events/${sale.eventId}/open`, { headers: bearer(admin) });
    expect(reopen.body.code).toBe("INVALID_STATE");
  });
});

describe("cancel returns stock exactly once", () => {
  it("10 concurrent cancels of one order: one succeeds, the stock comes back once", async () => {
    const sale = await createSale(api.url, admin, { deals: [{ price: 1_000, stock: 3, perUserLimit: 3 }] });
    const dealId = sale.deals[0]!.dealId;
    const token = await ctx.token("canceller");
    const placed = await order(api.url, token, [{ dealId, quantity: 2 }]);
    expect(await api.stock.remaining(sale.eventId)).toEqual({ [dealId]: 1 });
    const results = await Promise.all(Array.from({ length: 10 }, () => cancel(api.url, token, placed.body.orderId)));
    expect(tally(results)).toEqual({ "200": 1, "409 INVALID_STATE": 9 });
    expect(results.find((r) => r.status === 200)!.body).toMatchObject({ status: "CANCELLED", cancelReason: "USER" });
    expect(await api.stock.remaining(sale.eventId)).toEqual({ [dealId]: 3 });
    // Releasing again (a retried job, a replayed event) changes nothing.
    await Promise.all(Array.from({ length: 10 }, () => api.stock.release(sale.eventId, placed.body.orderId)));
    expect(await api.stock.remaining(sale.eventId)).toEqual({ [dealId]: 3 });
    // The per-user limit counts only non-cancelled orders.
    expect((await order(api.url, token, [{ dealId, quantity: 3 }])).status).toBe(201);
  });

  it("someone else's order is 404", async () => {
    const sale = await createSale(api.url, admin, { deals: [{ price: 1_000, stock: 3 }] });
    const placed = await order(api.url, await ctx.token("owner"), [{ dealId: sale.deals[0]!.dealId, quantity: 1 }]);
    const res = await cancel(api.url, await ctx.token("stranger"), placed.body.orderId);
    expect(res.status).toBe(404);
  });
});
