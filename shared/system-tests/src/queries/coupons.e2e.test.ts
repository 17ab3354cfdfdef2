import { describe, expect, it } from "vitest";
import { useApps } from "../apps.js";
import { http, type HttpResponse } from "@surge/testkit/http";
import { untilPast } from "@surge/testkit/wait";

const { ctx, apps } = useApps();

const position = (headers: HttpResponse["headers"], name: string) => Number(headers[name]);
const hour = 3600_000;

async function createCoupon(body: Record<string, unknown>) {
  const created = await http("POST", `${apps.command}/admin/coupons`, { token: await ctx.token("admin1", "admin"), body });
  expect(created.status).toBe(201);
  return { couponId: String(created.body.couponId), position: position(created.headers, "x-position"), body: created.body };
}

async function claim(couponId: string, userId: string) {
  const res = await http("POST", `${apps.command}/coupons/${couponId}/claims`, { token: await ctx.token(userId) });
  expect(res.status).toBe(201);
  return { claimId: String(res.body.claimId), position: position(res.headers, "x-position"), body: res.body };
}

describe("coupon read models over HTTP", () => {
  it("shows a claim on GET /coupons/{id} as soon as X-Min-Position allows", async () => {
    const validUntil = new Date(Date.now() + 48 * hour).toISOString();
    const coupon = await createCoupon({
      name: "WELCOME 5000",
      discount: { type: "FIXED", amount: 5000 },
      quantity: 10,
      minOrderAmount: 20000,
      validUntil,
    });
    const claims = [];
    for (const user of ["alice", "bob", "carol"]) claims.push(await claim(coupon.couponId, user));
    const last = claims.at(-1)!.position;

    // Read-your-writes: asked right after the command, with its position, the view includes it.
    const res = await http("GET", `${apps.query}/coupons/${coupon.couponId}`, { headers: { "X-Min-Position": String(last) } });
    expect(res.status).toBe(200);
    expect(position(res.headers, "x-projection-position")).toBeGreaterThanOrEqual(last);
    expect(res.body).toEqual({
      couponId: coupon.couponId,
      name: "WELCOME 5000",
      discount: { type: "FIXED", amount: 5000 },
      quantity: 10,
      claimed: 3,
      remaining: 7,
      perUserLimit: 1,
      minOrderAmount: 20000,
      claimOpensAt: coupon.body.claimOpensAt,
      claimClosesAt: null,
      validUntil,
    });
  });

  it("counts every claim of a burst of concurrent claims exactly once", async () => {
    const coupon = await createCoupon({ name: "BURST", discount: { type: "PERCENT", percent: 10, maxAmount: 3000 }, quantity: 25 });
    const users = Array.from({ length: 40 }, (_, i) => `burst${i}`);
    const replies = await Promise.all(users.map(async (u) => http("POST", `${apps.command}/coupons/${coupon.couponId}/claims`, { token: await ctx.token(u) })));
    const won = replies.filter((r) => r.status === 201);
    expect(won).toHaveLength(25);
    const max = Math.max(...won.map((r) => position(r.headers, "x-position")));
    const res = await http("GET", `${apps.query}/coupons/${coupon.couponId}`, { headers: { "X-Min-Position": String(max) } });
    expect(res.body).toMatchObject({ claimed: 25, remaining: 0, discount: { type: "PERCENT", percent: 10, maxAmount: 3000 } });
  });

  it("lists only the caller's claims on GET /me/coupons, newest first, filtered by status", async () => {
    const first = await createCoupon({ name: "FIRST", discount: { type: "FIXED", amount: 1000 }, quantity: 5, minOrderAmount: 5000 });
    const second = await createCoupon({ name: "SECOND", discount: { type: "PERCENT", percent: 5 }, quantity: 5 });
    const a = await claim(first.couponId, "dave");
    await claim(first.couponId, "erin");
    const b = await claim(second.couponId, "dave");
    const token = await ctx.token("dave");
    const headers = { "X-Min-Position": String(b.position) };

    const mine = await http("GET", `${apps.query}/me/coupons`, { token, headers });
    expect(mine.status).toBe(200);
    expect(position(mine.headers, "x-projection-position")).toBeGreaterThanOrEqual(b.position);
    expect(mine.body.items).toEqual([
      {
        claimId: b.claimId,
        couponId: second.couponId,
        name: "SECOND",
        discount: { type: "PERCENT", percent: 5 },
        minOrderAmount: 0,
        status: "AVAILABLE",
        claimedAt: b.body.claimedAt,
        expiresAt: null,
        orderId: null,
      },
      {
        claimId: a.claimId,
        couponId: first.couponId,
        name: "FIRST",
        discount: { type: "FIXED", amount: 1000 },
        minOrderAmount: 5000,
        status: "AVAILABLE",
        claimedAt: a.body.claimedAt,
        expiresAt: null,
        orderId: null,
      },
    ]);

    const available = await http("GET", `${apps.query}/me/coupons?status=AVAILABLE`, { token, headers });
    expect((available.body.items as unknown[]).length).toBe(2);
    const unfiltered = await http("GET", `${apps.query}/me/coupons?status=`, { token, headers });
    expect(unfiltered.body.items).toEqual(mine.body.items);
    const used = await http("GET", `${apps.query}/me/coupons?status=USED`, { token, headers });
    expect(used.status).toBe(200);
    expect(used.body.items).toEqual([]);

    const stranger = await http("GET", `${apps.query}/me/coupons`, { token: await ctx.token("nobody"), headers });
    expect(stranger.body.items).toEqual([]);
  });

  it("reports a claim past its expiry as EXPIRED, under that status only", async () => {
    // The claim window and validity are in the past only seconds after the claim.
    const validUntil = new Date(Date.now() + 1500).toISOString();
    const coupon = await createCoupon({
      name: "SHORT",
      discount: { type: "FIXED", amount: 500 },
      quantity: 5,
      validUntil,
    });
    const c = await claim(coupon.couponId, "frank");
    const token = await ctx.token("frank");
    const headers = { "X-Min-Position": String(c.position) };
    expect((await http("GET", `${apps.query}/me/coupons`, { token, headers })).body.items).toMatchObject([{ status: "AVAILABLE" }]);
    await untilPast(validUntil);
    expect((await http("GET", `${apps.query}/me/coupons`, { token, headers })).body.items).toMatchObject([{ claimId: c.claimId, status: "EXPIRED" }]);
    expect((await http("GET", `${apps.query}/me/coupons?status=EXPIRED`, { token, headers })).body.items).toMatchObject([{ claimId: c.claimId }]);
    expect((await http("GET", `${apps.query}/me/coupons?status=AVAILABLE`, { token, headers })).body.items).toEqual([]);
  });

  it("stamps X-Projection-Position on every query response, without waiting when not asked", async () => {
    const res = await http("GET", `${apps.query}/me/coupons`, { token: await ctx.token("gina") });
    expect(res.status).toBe(200);
    expect(res.headers["x-projection-position"]).toMatch(/^\d+$/);
  });
});
