import { beforeAll, describe, expect, it } from "vitest";
import { claim, claimedEvents, createCoupon, tally, useApi } from "../command-harness.js";

const { ctx, api } = useApi();
let admin: string;
beforeAll(async () => {
  admin = await ctx.token("admin1", "admin");
});
const tokens = new Map<string, string>();
const tokenFor = async (user: string) => tokens.get(user) ?? tokens.set(user, await ctx.token(user)).get(user)!;

describe("first-come coupon drop", () => {
  it("2,000 concurrent claims from 1,000 users on 100 coupons: exactly 100 winners", async () => {
    const coupon = await createCoupon(api.url, admin, { quantity: 100 });
    const users = Array.from({ length: 1000 }, (_, i) => `user${i}`);
    const requests = await Promise.all(users.flatMap((u) => [u, u]).map(async (u) => ({ u, token: await tokenFor(u) })));
    const results = await Promise.all(requests.map(async ({ u, token }) => ({ u, ...(await claim(api.url, coupon.couponId, token)) })));

    const won = results.filter((r) => r.status === 201);
    const lost = results.filter((r) => r.status !== 201);
    expect(won).toHaveLength(100);
    expect(new Set(won.map((r) => r.u)).size).toBe(100);
    expect(lost).toHaveLength(1900);
    for (const r of lost) {
      expect(r.status).toBe(409);
      expect(r.headers["content-type"]).toBe("application/problem+json");
      expect(["SOLD_OUT", "ALREADY_CLAIMED"]).toContain(r.body.code);
    }
    // Losers who never won must have been told SOLD_OUT; a winner's second try is ALREADY_CLAIMED or SOLD_OUT.
    const winners = new Set(won.map((r) => r.u));
    expect(lost.filter((r) => !winners.has(r.u)).every((r) => r.body.code === "SOLD_OUT")).toBe(true);

    const events = await claimedEvents(ctx, coupon.couponId);
    expect(events).toHaveLength(100);
    expect(new Set(events.map((e) => e.userId))).toEqual(winners);
    expect(new Set(events.map((e) => e.claimId))).toEqual(new Set(won.map((r) => r.body.claimId)));
  });

  it("one user sending 50 concurrent claims gets exactly one", async () => {
    const coupon = await createCoupon(api.url, admin, { quantity: 10 });
    const token = await tokenFor("eager");
    const results = await Promise.all(Array.from({ length: 50 }, () => claim(api.url, coupon.couponId, token)));
    expect(tally(results)).toEqual({ "201": 1, "409 ALREADY_CLAIMED": 49 });
    expect(await claimedEvents(ctx, coupon.couponId)).toHaveLength(1);
  });

  it("honours perUserLimit above one under concurrency", async () => {
    const coupon = await createCoupon(api.url, admin, { quantity: 100, perUserLimit: 3 });
    const token = await tokenFor("collector");
    const results = await Promise.all(Array.from({ length: 30 }, () => claim(api.url, coupon.couponId, token)));
    expect(tally(results)).toEqual({ "201": 3, "409 ALREADY_CLAIMED": 27 });
  });

  it("answers 201 with the contract's claim body and the event position", async () => {
    const coupon = await createCoupon(api.url, admin, { quantity: 5, validUntil: "2099-01-01T00:00:00+09:00" });
    const res = await claim(api.url, coupon.couponId, await tokenFor("shape"));
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      claimId: expect.any(String),
      couponId: coupon.couponId,
      userId: "shape",
      status: "AVAILABLE",
      claimedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      expiresAt: "2098-12-31T15:00:00.000Z",
    });
    const [event] = await ctx.store.readStream(`coupon-${coupon.couponId}`, { fromVersion: 2 });
    expect(Number(res.headers["x-position"])).toBe(event!.position);
  });

  it("refuses claims before claimOpensAt and after claimClosesAt, changing nothing", async () => {
    const hour = 3600_000;
    const early = await createCoupon(api.url, admin, { claimOpensAt: new Date(Date.now() + hour).toISOString() });
    const late = await createCoupon(api.url, admin, {
      claimOpensAt: new Date(Date.now() - 2 * hour).toISOString(),
      claimClosesAt: new Date(Date.now() - hour).toISOString(),
    });
    const token = await tokenFor("window");
    for (const c of [early, late]) {
      const results = await Promise.all(Array.from({ length: 5 }, () => claim(api.url, c.couponId, token)));
      expect(tally(results)).toEqual({ "409 CLAIM_WINDOW_CLOSED": 5 });
      expect(await claimedEvents(ctx, c.couponId)).toHaveLength(0);
    }
  });

  it("answers 404 for an unknown coupon", async () => {
    const res = await claim(api.url, coupon404, await tokenFor("lost"));
    expect(res.status).toBe(404);
    expect(res.body.code).toBe("NOT_FOUND");
  });
});

const coupon404 = "01a1fcd2-0000-7000-8000-000000000000";
