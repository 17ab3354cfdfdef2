import { setTimeout as delay } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { couponStream } from "@surge/areas/coupons/coupon-events";
import { createMetrics } from "@surge/platform/http/metrics";
import { readCheckpoint } from "@surge/platform/db/checkpoints";
import { waitFor } from "@surge/testkit/wait";
import { createTestContext, type TestContext } from "@surge/testkit/context";
import { readEnv } from "./env.js";
import { projectorMetrics } from "./metrics.js";
import { startProjector, type Projector } from "./start.js";
import { appendCoupon, claimed } from "@surge/testkit/coupon-events";

let ctx: TestContext;
let projector: Projector | undefined;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await projector?.stop();
  await ctx?.close();
});

async function caughtUp(): Promise<number> {
  const head = await ctx.store.headPosition();
  await waitFor("the projector to catch up", async () => (await readCheckpoint(ctx.db)) >= head, { everyMs: 10 });
  return head;
}
const metric = (text: string, name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(text)?.[1]);

describe("the running projector", () => {
  it("tails the store, reports lag on /metrics and stops after its batch", async () => {
    const before = await appendCoupon(ctx.store, 120);
    projector = await startProjector(readEnv({ ...ctx.appEnv, PROJECTOR_PORT: "0", PROJECTOR_BATCH_SIZE: "50" }));
    await caughtUp();
    // Events appended while it runs are picked up too.
    await ctx.store.append(couponStream(before.couponId), "any", [claimed(before, "late")]);
    await caughtUp();
    const view = await ctx.db.selectFrom("coupon_view").select("claimed").where("coupon_id", "=", before.couponId).executeTakeFirstOrThrow();
    expect(view.claimed).toBe(121);

    const res = await fetch(`${projector.url}/metrics`);
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(metric(text, "projector_lag_events")).toBe(0);
    expect(metric(text, "projector_lag_seconds")).toBe(0);
    expect(text).toMatch(/^projector_events_applied_total\{type="CouponClaimed",app="projector"\} 121$/m);
    expect((await fetch(`${projector.url}/ready`)).status).toBe(200);

    await projector.stop();
    projector = undefined;
    // Stopped means stopped: nothing appended now is projected.
    const at = await readCheckpoint(ctx.db);
    await ctx.store.append(couponStream(before.couponId), "any", [claimed(before, "after-stop")]);
    // Nothing can happen after a stop, so there is no later event to wait for: watch for a while
    // (many of the projector's idle polls) instead.
    await delay(100);
    expect(await readCheckpoint(ctx.db)).toBe(at);
  });

  it("measures lag as head minus checkpoint, and the age of the oldest unprojected event", async () => {
    // No projector runs here: whatever is appended stays unprojected.
    const metrics = createMetrics("projector");
    projectorMetrics(metrics, ctx.db, ctx.store);
    await appendCoupon(ctx.store, 30);
    // The oldest unprojected event must be at least this old when measured.
    await delay(50);
    const text = await metrics.registry.metrics();
    expect(metric(text, "projector_lag_events")).toBe((await ctx.store.headPosition()) - (await readCheckpoint(ctx.db)));
    expect(metric(text, "projector_lag_events")).toBeGreaterThanOrEqual(31);
    expect(metric(text, "projector_lag_seconds")).toBeGreaterThanOrEqual(0.05);
  });
});
