import { setImmediate as nextTurn } from "node:timers/promises";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { couponKeys } from "@surge/areas/coupons/guard";
import { createTestContext, type TestContext } from "@surge/testkit/context";
import { claim, claimedEvents, createCoupon, startApi } from "../command-harness.js";
import { waitFor } from "@surge/testkit/wait";

/**
 * A deploy during a drop: SIGTERM arrives while claims are between their Redis reservation and
 * their append. Every request the server holds must get its answer, and every 201 must be stored.
 */
describe("stopping command-api with claims in flight", () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(() => ctx?.close());

  it("answers every request it holds before it closes, and loses no claim it answered 201", async () => {
    const api = await startApi(ctx, { RATE_LIMIT_BURST: "1000" });
    const { couponId } = await createCoupon(api.url, await ctx.token("admin1", "admin"), { quantity: 100 });
    const tokens = await Promise.all(Array.from({ length: 50 }, (_, i) => ctx.token(`stop${i}`)));

    // The first claim loads the coupon's guard from the store; the held claims then wait only on their append.
    expect((await claim(api.url, couponId, await ctx.token("warm"))).status).toBe(201);

    // Holding the sequence row keeps every append waiting, so the claims are provably inside the server.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holder = ctx.db.transaction().execute(async (trx) => {
      await sql`SELECT last_position FROM event_sequence FOR UPDATE`.execute(trx);
      locked();
      await released;
    });
    await isLocked;

    const requests = tokens.map((token) =>
      claim(api.url, couponId, token).then(
        (res) => String(res.status),
        (err: Error) => `no answer: ${err.message}`,
      ),
    );
    await waitFor("50 reservations waiting on their append", async () => (await ctx.redis.hlen(couponKeys(couponId).resv)) === 50);

    const stopped = api.stop();
    await nextTurn();
    release();
    await holder;
    const statuses = await Promise.all(requests);
    await stopped;

    expect(statuses.filter((s) => s === "201")).toHaveLength(50);
    expect(await claimedEvents(ctx, couponId)).toHaveLength(51);
  });
});
