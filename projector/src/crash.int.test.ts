import { setTimeout as delay } from "node:timers/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { readCheckpoint } from "@surge/platform/db/checkpoints";
import { createTestContext, type TestContext } from "@surge/testkit/context";
import { appendCoupon } from "@surge/testkit/coupon-events";
import { spawnApp, stillRunning, type ChildApp } from "@surge/testkit/child-app";
import { waitFor } from "@surge/testkit/wait";

let ctx: TestContext;
const children: ChildApp[] = [];
beforeAll(async () => {
  ctx = await createTestContext();
});
afterEach(() => {
  for (const c of children.splice(0)) c.child.kill("SIGKILL");
});
afterAll(async () => {
  await ctx?.close();
});

/** Waits for `ok`, failing at once (with the child's log) if the child dies or a batch fails. */
const until = (what: string, ok: () => Promise<boolean>, child: ChildApp) =>
  waitFor(what, ok, {
    timeoutMs: 60_000,
    everyMs: 5,
    check: () => {
      stillRunning(child, "the projector")();
      if (child.output().includes("projecting failed")) throw new Error(`a batch failed before ${what}:\n${child.output()}`);
    },
    detail: child.output,
  });

const count = async (table: "coupon_claims" | "event_handled") =>
  Number(
    (
      await ctx.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as("n"))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe("a projector killed mid-batch", () => {
  it("ends, after restarts, with every claim counted exactly once", { timeout: 240_000 }, async () => {
    const CLAIMS = 2000;
    const KILLS = 10;
    const def = await appendCoupon(ctx.store, CLAIMS);
    const head = await ctx.store.headPosition();
    // Tiny batches: committing and bookkeeping are then a large share of each batch's time, which
    // is where a projector that splits a batch over transactions loses or doubles events.
    const start = () => {
      // LOG_LEVEL error: `until` reads the child's "projecting failed" lines to fail fast.
      const c = spawnApp("projector/src/main.ts", {
        ...ctx.appEnv,
        LOG_LEVEL: "error",
        PROJECTOR_PORT: "0",
        PROJECTOR_BATCH_SIZE: "2",
        PROJECTOR_RETRY_MS: "50",
      });
      children.push(c);
      return c;
    };

    // Each child is killed at a random moment once it has committed at least one batch.
    const killedAt: number[] = [];
    for (let i = 0; i < KILLS; i++) {
      const from = await readCheckpoint(ctx.db);
      const child = start();
      await until("a first committed batch", async () => (await readCheckpoint(ctx.db)) > from, child);
      await delay(Math.random() * 40);
      child.child.kill("SIGKILL");
      await child.exited;
      killedAt.push(await readCheckpoint(ctx.db));
    }
    // Every kill hit a projector that still had work: the log was not fully projected yet.
    expect(killedAt.at(-1)).toBeLessThan(head);

    const last = start();
    await until("catching up", async () => (await readCheckpoint(ctx.db)) === head, last);

    const view = await ctx.db.selectFrom("coupon_view").select("claimed").where("coupon_id", "=", def.couponId).executeTakeFirstOrThrow();
    expect(view.claimed).toBe(CLAIMS);
    expect(await count("coupon_claims")).toBe(CLAIMS);
    expect(await count("event_handled")).toBe(CLAIMS + 1);

    // A graceful stop (SIGTERM) finishes its batch and exits cleanly.
    last.child.kill("SIGTERM");
    expect(await last.exited).toBe(0);
  });
});
