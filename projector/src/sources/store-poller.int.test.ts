import { setTimeout as delay } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { couponStream } from "@surge/areas/coupons/coupon-events";
import { createLogger } from "@surge/platform/logging";
import { type StoredEvent } from "@surge/platform/eventstore/types";
import { waitFor } from "@surge/testkit/wait";
import { createTestContext, type TestContext } from "@surge/testkit/context";
import { appendCoupon, claimed } from "@surge/testkit/coupon-events";
import { StorePoller } from "./store-poller.js";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

const logger = createLogger("store-poller-test", "silent", false);
const options = { batchSize: 10, idleMs: 5, retryMs: 5 };

describe("the store poller", () => {
  it("delivers every event once, in position order, in batches of at most batchSize", async () => {
    const def = await appendCoupon(ctx.store, 45);
    const head = await ctx.store.headPosition();
    const batches: StoredEvent[][] = [];
    let checkpoint = 0;
    const poller = new StorePoller(
      ctx.store,
      {
        apply: async (events) => {
          batches.push(events);
          checkpoint = events.at(-1)!.position;
        },
        checkpoint: async () => checkpoint,
      },
      options,
      logger,
    );
    poller.start();
    await waitFor("everything delivered", () => checkpoint >= head, { everyMs: 5 });
    // Appended while it polls: picked up without a restart.
    await ctx.store.append(couponStream(def.couponId), "any", [claimed(def, "late")]);
    await waitFor("the late event delivered", () => checkpoint >= head + 1, { everyMs: 5 });
    await poller.stop();
    const positions = batches.flat().map((e) => e.position);
    expect(positions).toEqual(Array.from({ length: head + 1 }, (_, i) => i + 1));
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(10);
  });

  it("on stop, lets the batch in flight finish and starts no other", async () => {
    await appendCoupon(ctx.store, 30);
    let inFlight = false;
    let finished = 0;
    let started = 0;
    let checkpoint = 0;
    const poller = new StorePoller(
      ctx.store,
      {
        apply: async (events) => {
          started++;
          inFlight = true;
          // A slow batch: stop() is called while it runs.
          await delay(200);
          checkpoint = events.at(-1)!.position;
          finished++;
          inFlight = false;
        },
        checkpoint: async () => checkpoint,
      },
      options,
      logger,
    );
    poller.start();
    await waitFor("a batch in flight", () => inFlight, { everyMs: 1 });
    await poller.stop();
    expect(inFlight).toBe(false);
    expect(finished).toBe(started);
    expect(started).toBe(1);
  });

  it("after a failed batch, resumes from the committed checkpoint, not from what it had read", async () => {
    await appendCoupon(ctx.store, 20);
    const head = await ctx.store.headPosition();
    let committed = 0;
    let failures = 0;
    const delivered: number[] = [];
    const poller = new StorePoller(
      ctx.store,
      {
        apply: async (events) => {
          delivered.push(...events.map((e) => e.position));
          // The third batch fails once, as a deadlock or a lost connection would.
          if (events[0]!.position > 20 && failures === 0) throw new Error("injected failure");
          committed = events.at(-1)!.position;
        },
        checkpoint: async () => committed,
        onError: () => failures++,
      },
      options,
      logger,
    );
    poller.start();
    await waitFor("everything committed", () => committed >= head, { everyMs: 5 });
    await poller.stop();
    expect(failures).toBe(1);
    // The failed batch is delivered again; nothing is skipped.
    expect(new Set(delivered)).toEqual(new Set(Array.from({ length: head }, (_, i) => i + 1)));
    expect(delivered.length).toBe(head + 10);
  });
});
