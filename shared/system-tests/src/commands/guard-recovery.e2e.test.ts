import { setTimeout as delay } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import type { Redis } from "ioredis";
import type { TestContext } from "@surge/testkit/context";
import type { CommandApi } from "@surge/command-api/start";
import { RESERVATION_TTL_MS, useRecoveryStack } from "../recovery-stack.js";
import { claim, claimedEvents, createCoupon, tally } from "../command-harness.js";

let ctx: TestContext;
let api: CommandApi;
let sweepy: CommandApi;
let admin: string;
let flusher: Redis;
useRecoveryStack((stack) => ({ ctx, api, sweepy, admin, flusher } = stack));

describe("the Redis guard is rebuilt from the store", () => {
  // Three drops: one lost-update race shows up in roughly one drop of three without the fence.
  it.each([1, 2, 3])("FLUSHALL three times during drop %i still issues exactly the quantity", async (drop) => {
    const coupon = await createCoupon(api.url, admin, { quantity: 100 });
    const tokens = await Promise.all(Array.from({ length: 1500 }, (_, i) => ctx.token(`flush${drop}-${i}`)));
    let flushes = 0;
    const chaos = (async () => {
      for (let i = 0; i < 3; i++) {
        await delay(40 + i * 60);
        await flusher.flushall();
        flushes++;
      }
    })();
    const results = await Promise.all(tokens.map((t) => claim(api.url, coupon.couponId, t)));
    await chaos;
    expect(flushes).toBe(3);

    const t = tally(results);
    const events = await claimedEvents(ctx, coupon.couponId);
    expect(t["201"]).toBe(events.length);
    // Anything other than a win is a sell-out or a retryable 503: never a 5xx of another kind.
    expect(Object.keys(t).filter((k) => !["201", "409 SOLD_OUT", "503 UNAVAILABLE"].includes(k))).toEqual([]);
    // Top up with fresh users until sold out: the total can only ever reach the quantity.
    for (let round = 0; round < 5 && events.length < 100; round++) {
      const more = await Promise.all(
        Array.from({ length: 200 }, async (_, i) => claim(api.url, coupon.couponId, await ctx.token(`late${drop}-${round}-${i}`))),
      );
      expect(tally(more)["409 ALREADY_CLAIMED"]).toBeUndefined();
      events.splice(0, events.length, ...(await claimedEvents(ctx, coupon.couponId)));
    }
    expect(events).toHaveLength(100);
    expect(new Set(events.map((e) => e.userId)).size).toBe(100);
    const last = await claim(api.url, coupon.couponId, await ctx.token(`after-sellout${drop}`));
    expect(last.body.code).toBe("SOLD_OUT");
  });

  it("rebuilds per-user counts: a winner cannot claim again after FLUSHALL", async () => {
    const coupon = await createCoupon(api.url, admin, { quantity: 10 });
    const token = await ctx.token("repeat");
    expect((await claim(api.url, coupon.couponId, token)).status).toBe(201);
    await flusher.flushall();
    const again = await claim(api.url, coupon.couponId, token);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe("ALREADY_CLAIMED");
  });

  it("returns a unit taken by a process that died before appending to sale", async () => {
    const coupon = await createCoupon(api.url, admin, { quantity: 2 });
    // A request that won the Lua decision and then died: its unit is taken, no event exists.
    const claimedAt = new Date();
    const orphan = await sweepy.guard.claim(coupon.couponId, "ghost", "01a1fcd2-0000-7000-8000-00000000dead", claimedAt);
    expect(orphan.code).toBe("OK");
    expect((await claim(api.url, coupon.couponId, await ctx.token("alive1"))).status).toBe(201);
    expect((await claim(api.url, coupon.couponId, await ctx.token("alive2"))).body.code).toBe("SOLD_OUT");

    // A sweep once the ledger entry is past its deadline (1.5 s here) finds no event and returns the unit.
    await sweepy.guard.sweep(claimedAt.getTime() + RESERVATION_TTL_MS + 1);
    expect((await claim(api.url, coupon.couponId, await ctx.token("alive3"))).status).toBe(201);
    expect((await claim(api.url, coupon.couponId, await ctx.token("alive4"))).body.code).toBe("SOLD_OUT");
    expect(await claimedEvents(ctx, coupon.couponId)).toHaveLength(2);
  });

  it("keeps a reservation whose event reached the store even if its confirmation was lost", async () => {
    const coupon = await createCoupon(api.url, admin, { quantity: 1 });
    expect((await claim(api.url, coupon.couponId, await ctx.token("keeper"))).status).toBe(201);
    // Simulate the lost confirmation: put the claim back into the ledger, already overdue.
    const [event] = await claimedEvents(ctx, coupon.couponId);
    const ledger = `${ctx.redisKeyPrefix}cpn:{${coupon.couponId}}:resv`;
    await flusher.hset(ledger, event!.claimId, `keeper|${Date.now() - 1}`);
    const swept = await sweepy.guard.sweep();
    expect(swept.confirmed).toBeGreaterThanOrEqual(1);
    expect((await claim(api.url, coupon.couponId, await ctx.token("latecomer"))).body.code).toBe("SOLD_OUT");
    expect(await flusher.hexists(ledger, event!.claimId)).toBe(0);
  });
});
