import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pino } from "pino";
import { Counter, Registry } from "prom-client";
import { AppError } from "@surge/platform/errors";
import { CouponGuard, couponKeys } from "@surge/areas/coupons/guard";
import { CouponCreated, couponStream } from "@surge/areas/coupons/coupon-events";
import { createDb } from "@surge/platform/db/database";
import { MysqlEventStore } from "@surge/platform/eventstore/mysql-event-store";
import { newId } from "@surge/platform/ids";
import { createTestContext, type TestContext } from "@surge/testkit/context";
import { claimCoupon } from "@surge/areas/coupons/claim-command";
import { CouponDefinitions } from "@surge/areas/coupons/definitions";
import { rawEvent } from "@surge/testkit/raw-event";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

const logger = pino({ level: "silent" });
const outcomes = () => new Counter({ name: "c", help: "c", labelNames: ["outcome"] as const, registers: [new Registry()] });

describe("a claim whose append fails", () => {
  it("answers 503, gives the unit back in Redis and leaves no event", async () => {
    const couponId = newId();
    const now = new Date();
    await ctx.store.append(couponStream(couponId), "no_stream", [
      rawEvent(
        CouponCreated,
        {
          couponId,
          name: "X",
          discount: { type: "FIXED", amount: 1000 },
          quantity: 5,
          perUserLimit: 1,
          minOrderAmount: 0,
          claimOpensAt: new Date(now.getTime() - 1000).toISOString(),
          claimClosesAt: null,
          validUntil: null,
        },
        { at: now, correlationId: "t", userId: "admin" },
      ),
    ]);
    // The guard works, but every append fails: the store points at a database that does not exist.
    const brokenDb = createDb({ url: ctx.databaseUrl.replace(/surge_t_\w+/, "surge_missing_db"), poolSize: 1 });
    const brokenStore = new MysqlEventStore(brokenDb);
    const guard = new CouponGuard(ctx.redis, ctx.store, { reservationTtlMs: 30_000 }, logger);
    const deps = { store: brokenStore, guard, definitions: new CouponDefinitions(ctx.store), appendDeadlineMs: 10_000, outcomes: outcomes(), logger };

    const failure = await claimCoupon(deps, couponId, { userId: "u1", correlationId: "r1", now: new Date() }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(AppError);
    expect((failure as AppError).code).toBe("UNAVAILABLE");

    const k = couponKeys(couponId);
    expect(await ctx.redis.hget(k.meta, "claimed")).toBe("0");
    expect(await ctx.redis.hget(k.users, "u1")).toBe("0");
    expect(await ctx.redis.hlen(k.resv)).toBe(0);
    expect((await ctx.store.readStream(couponStream(couponId))).map((e) => e.type)).toEqual(["CouponCreated"]);
    await brokenDb.destroy();
  });
});
