import type { StoredEvent } from "@surge/platform/eventstore/types";
import type { TestContext } from "@surge/testkit/context";
import { readEnv } from "@surge/batch/env";
import { startBatch, type Batch } from "@surge/batch/start";

export { startApi, createCoupon, claim } from "./command-harness.js";
export { createSale, order } from "./sales-harness.js";

/** The real batch, started through its composition root, on the test's database and Redis prefix. */
export function startTestBatch(ctx: TestContext, overrides: Record<string, string> = {}): Promise<Batch> {
  return startBatch(readEnv({ ...ctx.appEnv, BATCH_PORT: "0", ...overrides }));
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls until `probe` answers something truthy, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 10_000, everyMs = 25): Promise<T> {
  const giveUpAt = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > giveUpAt) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

export async function eventsOfType(ctx: TestContext, streamId: string, type: string): Promise<StoredEvent[]> {
  return (await ctx.store.readStream(streamId)).filter((e) => e.type === type);
}

/** The first event of `type` in the stream, once it is there. */
export const waitForEvent = (ctx: TestContext, streamId: string, type: string, timeoutMs = 10_000) =>
  waitFor(`${type} in ${streamId}`, async () => (await eventsOfType(ctx, streamId, type))[0], timeoutMs);
