import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "kysely";
import { couponStream } from "@surge/areas/coupons/coupon-events";
import { newId } from "@surge/platform/ids";
import { readCheckpoint } from "@surge/platform/db/checkpoints";
import { type StoredEvent } from "@surge/platform/eventstore/types";
import { createTestContext, type TestContext } from "@surge/testkit/context";
import { applyBatch, EventHandlerError } from "@surge/platform/projection/apply";
import { handlers } from "@surge/areas/projections";
import { combine } from "@surge/platform/projection/handler";
import { couponProjection } from "@surge/areas/coupons/projection";
import { appendCoupon, claimed, definition } from "@surge/testkit/coupon-events";
import { rawEvent, uncheckedType } from "@surge/testkit/raw-event";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

const streamOf = (couponId: string) => ctx.store.readStream(couponStream(couponId));
const view = (couponId: string) => ctx.db.selectFrom("coupon_view").selectAll().where("coupon_id", "=", couponId).executeTakeFirst();
const claimRows = (couponId: string) => ctx.db.selectFrom("coupon_claims").selectAll().where("coupon_id", "=", couponId).orderBy("claim_id").execute();
const handledCount = async (events: StoredEvent[]) =>
  Number(
    (
      await ctx.db
        .selectFrom("event_handled")
        .select((eb) => eb.fn.countAll().as("n"))
        .where(
          "event_id",
          "in",
          events.map((e) => e.eventId),
        )
        .executeTakeFirstOrThrow()
    ).n,
  );

describe("applying coupon events", () => {
  it("projects a coupon and its claims into coupon_view and coupon_claims", async () => {
    const def = await appendCoupon(ctx.store, 3, {
      discount: { type: "PERCENT", percent: 10, maxAmount: 20000 },
      claimClosesAt: "2026-11-22T00:00:00.000Z",
      validUntil: null,
    });
    const events = await streamOf(def.couponId);
    const result = await applyBatch(ctx.db, handlers, events);
    expect(result.applied).toHaveLength(4);
    expect(result.position).toBe(events.at(-1)!.position);

    expect(await view(def.couponId)).toMatchObject({
      name: def.name,
      quantity: def.quantity,
      claimed: 3,
      per_user_limit: def.perUserLimit,
      claim_opens_at: new Date(def.claimOpensAt),
      claim_closes_at: new Date("2026-11-22T00:00:00.000Z"),
      valid_until: null,
    });
    expect(JSON.parse((await view(def.couponId))!.discount)).toEqual(def.discount);
    expect(Number((await view(def.couponId))!.min_order_amount)).toBe(def.minOrderAmount);

    const rows = await claimRows(def.couponId);
    const claims = events.slice(1).map((e) => e.data as { claimId: string; userId: string; claimedAt: string });
    expect(rows.map((r) => [r.claim_id, r.user_id, r.status, r.claimed_at.toISOString(), r.expires_at, r.order_id])).toEqual(
      claims.map((c) => [c.claimId, c.userId, "AVAILABLE", c.claimedAt, null, null]).sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
    expect(await handledCount(events)).toBe(4);
    expect(await readCheckpoint(ctx.db)).toBe(events.at(-1)!.position);
  });

  it("changes nothing when the same batch is delivered again", async () => {
    const def = await appendCoupon(ctx.store, 5);
    const events = await streamOf(def.couponId);
    await applyBatch(ctx.db, handlers, events);
    const again = await applyBatch(ctx.db, handlers, events);
    expect(again.applied).toHaveLength(0);
    expect(again.duplicates).toBe(6);
    expect((await view(def.couponId))?.claimed).toBe(5);
    expect(await claimRows(def.couponId)).toHaveLength(5);
    expect(await handledCount(events)).toBe(6);
  });

  it("applies an event once when a batch carries it twice, or partly overlaps an applied one", async () => {
    const def = await appendCoupon(ctx.store, 4);
    const [create, c1, c2, c3, c4] = await streamOf(def.couponId);
    await applyBatch(ctx.db, handlers, [create!, c1!, c1!]);
    expect((await view(def.couponId))?.claimed).toBe(1);
    // Redelivered out of order, with a duplicate inside the batch: only c2…c4 are new.
    const result = await applyBatch(ctx.db, handlers, [c3!, c1!, c2!, c3!, c4!, c2!]);
    expect(result.applied.map((e) => e.position)).toEqual([c2!.position, c3!.position, c4!.position]);
    expect((await view(def.couponId))?.claimed).toBe(4);
    expect(await claimRows(def.couponId)).toHaveLength(4);
  });

  it("skips unknown event types but marks them handled and moves the checkpoint past them", async () => {
    const stream = `gizmo-${newId()}`;
    await ctx.store.append(stream, "no_stream", [rawEvent(uncheckedType("GizmoInvented"), { x: 1 }, { correlationId: "c" })]);
    const events = await ctx.store.readStream(stream);
    const result = await applyBatch(ctx.db, handlers, events);
    expect(result.applied).toHaveLength(1);
    expect(await handledCount(events)).toBe(1);
    expect(await readCheckpoint(ctx.db)).toBeGreaterThanOrEqual(events[0]!.position);
  });

  it("never moves the checkpoint back when an older batch is replayed", async () => {
    const def = await appendCoupon(ctx.store, 2);
    const events = await streamOf(def.couponId);
    await applyBatch(ctx.db, handlers, events);
    const at = await readCheckpoint(ctx.db);
    await applyBatch(ctx.db, handlers, events.slice(0, 1));
    expect(await readCheckpoint(ctx.db)).toBe(at);
  });

  it("commits nothing of a batch whose handler fails: no counts, no handled marks, no checkpoint", async () => {
    const def = definition();
    await appendCoupon(ctx.store, 0, def);
    const [create] = await streamOf(def.couponId);
    await applyBatch(ctx.db, handlers, [create!]);
    await ctx.store.append(couponStream(def.couponId), "any", [claimed(def, "u1"), claimed(def, "u2")]);
    const claims = (await streamOf(def.couponId)).slice(1);
    const before = await readCheckpoint(ctx.db);
    // Fails any run holding the second claim: the run, and then that claim alone.
    const failing = combine(couponProjection, {
      types: new Set(["CouponClaimed"]),
      run: async (_trx, events) => {
        if (events.includes(claims[1]!)) throw new Error("injected handler failure");
      },
    });
    const error = await applyBatch(ctx.db, failing, claims).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(EventHandlerError);
    expect((error as EventHandlerError).message).toContain("injected handler failure");
    expect((error as EventHandlerError).event).toBe(claims[1]);
    expect((await view(def.couponId))?.claimed).toBe(0);
    expect(await claimRows(def.couponId)).toHaveLength(0);
    expect(await handledCount(claims)).toBe(0);
    expect(await readCheckpoint(ctx.db)).toBe(before);
    // The redelivery after the failure applies each claim exactly once.
    await applyBatch(ctx.db, handlers, claims);
    expect((await view(def.couponId))?.claimed).toBe(2);
  });

  it("lets exactly one of two concurrent appliers of the same batch commit", async () => {
    const def = await appendCoupon(ctx.store, 50);
    const events = await streamOf(def.couponId);
    const outcomes = await Promise.allSettled([applyBatch(ctx.db, handlers, events), applyBatch(ctx.db, handlers, events)]);
    const retried = outcomes.filter((o) => o.status === "rejected").length;
    // The loser (if the two overlapped) rolled back whole; its redelivery must then be a no-op.
    await applyBatch(ctx.db, handlers, events);
    expect(retried).toBeLessThanOrEqual(1);
    expect((await view(def.couponId))?.claimed).toBe(50);
    expect(await claimRows(def.couponId)).toHaveLength(50);
    const { rows } = await sql<{
      n: number;
    }>`SELECT COUNT(*) AS n FROM event_handled WHERE position BETWEEN ${events[0]!.position} AND ${events.at(-1)!.position}`.execute(ctx.db);
    expect(Number(rows[0]?.n)).toBe(51);
  });
});
