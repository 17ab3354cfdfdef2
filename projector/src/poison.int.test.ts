import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { productStream } from "@surge/areas/catalog/events";
import { readCheckpoint } from "@surge/platform/db/checkpoints";
import { newId } from "@surge/platform/ids";
import { waitFor } from "@surge/testkit/wait";
import { rawEvent, uncheckedType } from "@surge/testkit/raw-event";
import { createTestContext, type TestContext } from "@surge/testkit/context";
import { appendCoupon, claimed } from "@surge/testkit/coupon-events";
import { couponStream } from "@surge/areas/coupons/coupon-events";
import { readEnv } from "./env.js";
import { startProjector, type Projector } from "./start.js";

let ctx: TestContext;
let projector: Projector;
beforeAll(async () => {
  ctx = await createTestContext();
  projector = await startProjector(readEnv({ ...ctx.appEnv, PROJECTOR_PORT: "0", PROJECTOR_RETRY_MS: "5", PROJECTOR_POISON_ATTEMPTS: "3" }));
});
afterAll(async () => {
  await projector?.stop();
  await ctx?.close();
});

const deadLettered = async () => {
  const text = await (await fetch(`${projector.url}/metrics`)).text();
  return Number(/^projector_dead_lettered_total(?:\{[^}]*\})? (\S+)$/m.exec(text)?.[1]);
};
const caughtUp = async () => {
  const head = await ctx.store.headPosition();
  await waitFor("the projector past every event", async () => (await readCheckpoint(ctx.db)) >= head, { everyMs: 10 });
};
const failureOf = (eventId: string) => ctx.db.selectFrom("projection_failures").selectAll().where("event_id", "=", eventId).executeTakeFirst();
const claimedOf = async (couponId: string) =>
  (await ctx.db.selectFrom("coupon_view").select("claimed").where("coupon_id", "=", couponId).executeTakeFirstOrThrow()).claimed;

/**
 * Events that no command could append (the store checks every append against its type's schema)
 * are put into the log raw, as a bug of an older version or a hand-edited row would leave them.
 */
describe("the embedded projector and a poison event", () => {
  it("dead-letters an event whose amount overflows every read model at once, counts it, and projects the events after it", async () => {
    const before = await deadLettered();
    const productId = newId();
    const eventId = newId();
    // Past BIGINT's 9.2e18 and past what a JS number holds exactly.
    const poison = rawEvent(uncheckedType("ProductCreated"), { productId, name: "Overflow", price: 1e19 }, { eventId });
    const { lastPosition } = await ctx.store.append(productStream(productId), "no_stream", [poison]);
    const def = await appendCoupon(ctx.store, 5);
    await caughtUp();

    expect(await failureOf(eventId)).toMatchObject({ position: lastPosition, type: "ProductCreated", source: "store", attempts: 1, resolved_at: null });
    expect(await deadLettered()).toBe(before + 1);
    expect(await ctx.db.selectFrom("products").select("product_id").where("product_id", "=", productId).executeTakeFirst()).toBeUndefined();
    expect(await claimedOf(def.couponId)).toBe(5);
  });

  it("dead-letters, after its attempts, an event whose handler keeps failing (a name too long for its column)", async () => {
    const before = await deadLettered();
    const productId = newId();
    const eventId = newId();
    await ctx.store.append(productStream(productId), "no_stream", [
      rawEvent(uncheckedType("ProductCreated"), { productId, name: "x".repeat(300), price: 1_000 }, { eventId }),
    ]);
    const def = await appendCoupon(ctx.store, 2);
    await ctx.store.append(couponStream(def.couponId), "any", [claimed(def, "late")]);
    await caughtUp();

    expect(await failureOf(eventId)).toMatchObject({ type: "ProductCreated", source: "store", attempts: 3 });
    expect(await deadLettered()).toBe(before + 1);
    expect(await claimedOf(def.couponId)).toBe(3);
  });
});
