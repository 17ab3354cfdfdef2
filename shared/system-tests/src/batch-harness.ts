import type { StoredEvent } from "@surge/platform/eventstore/types";
import type { TestContext } from "@surge/testkit/context";
import { http } from "@surge/testkit/http";
import { waitFor } from "@surge/testkit/wait";
import { readEnv } from "@surge/batch/env";
import { startBatch, type Batch } from "@surge/batch/start";

/** The real batch, started through its composition root, on the test's database and Redis prefix. */
export function startTestBatch(ctx: TestContext, overrides: Record<string, string> = {}): Promise<Batch> {
  return startBatch(readEnv({ ...ctx.appEnv, BATCH_PORT: "0", ...overrides }));
}

export async function eventsOfType(ctx: TestContext, streamId: string, type: string): Promise<StoredEvent[]> {
  return (await ctx.store.readStream(streamId)).filter((e) => e.type === type);
}

/** The first event of `type` in the stream, once it is there. */
export const waitForEvent = (ctx: TestContext, streamId: string, type: string, timeoutMs = 10_000) =>
  waitFor(`${type} in ${streamId}`, async () => (await eventsOfType(ctx, streamId, type))[0], timeoutMs);

/** One counter of the batch's /metrics (summed over the series matching `labels`), 0 while it has none. */
export async function batchCounter(batch: Batch, admin: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = (await http("GET", `${batch.url}/metrics`, { token: admin })).text;
  let sum = 0;
  for (const [, series, value] of text.matchAll(new RegExp(`^${name}(?:\\{([^}]*)\\})? (\\S+)$`, "gm"))) {
    if (Object.entries(labels).every(([k, v]) => (series ?? "").includes(`${k}="${v}"`))) sum += Number(value);
  }
  return sum;
}
