import { setTimeout as delay } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { readCheckpoint } from "@surge/platform/db/checkpoints";
import { buildKafkaMock } from "@surge/testkit/kafka-mock";
import { useKafkaMock } from "@surge/testkit/kafka-fixture";
import { spawnApp, stillRunning, type ChildApp } from "@surge/testkit/child-app";
import { appendCoupon } from "@surge/testkit/coupon-events";
import { waitFor } from "@surge/testkit/wait";
import { checkpointIsSafe, kafkaEnv, produce } from "./support.js";

const build = await buildKafkaMock();
if (build.skip) console.warn(`Kafka projector crash test: ${build.skip}`);

const { ctx, kafka } = useKafkaMock(build);
const children: ChildApp[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.child.kill("SIGKILL");
});

/** Waits for `ok`, failing at once (with the child's log) if the child dies. */
const until = (what: string, ok: () => Promise<boolean>, child: ChildApp) =>
  waitFor(what, ok, { timeoutMs: 60_000, everyMs: 5, check: stillRunning(child, "the projector"), detail: child.output });

describe.skipIf(build.skip)("a Kafka projector killed mid-batch", () => {
  it("ends, after restarts, with every claim counted exactly once", { timeout: 120_000 }, async () => {
    const CLAIMS = 1500;
    const def = await appendCoupon(ctx.store, CLAIMS);
    const events = await ctx.store.readAll(0, 100_000);
    const head = events.at(-1)!.position;
    // Published as the relay does, 100 events and a round of watermarks at a time.
    const batches = [];
    for (let i = 0; i < events.length; i += 100) batches.push({ events: events.slice(i, i + 100) });
    await produce(kafka.brokers, batches);

    const env = {
      ...kafkaEnv(ctx, kafka),
      // Tiny transactions: most of a batch's time is commit and bookkeeping, where a kill hurts.
      PROJECTOR_BATCH_SIZE: "5",
      // A killed member holds its partitions until its session ends: short sessions, fast restarts.
      KAFKA_SESSION_TIMEOUT_MS: "3000",
      PROJECTOR_LEASE_TTL_MS: "800",
    };
    const killedAt: number[] = [];
    for (let i = 0; i < 3; i++) {
      const from = await readCheckpoint(ctx.db);
      const child = spawnApp("projector/src/main.ts", env);
      children.push(child);
      await until("a first committed batch", async () => (await readCheckpoint(ctx.db)) > from, child);
      await delay(Math.random() * 40);
      child.child.kill("SIGKILL");
      await child.exited;
      killedAt.push(await readCheckpoint(ctx.db));
      const safe = await checkpointIsSafe(ctx.db);
      expect(safe.handled).toBe(safe.checkpoint);
    }
    expect(killedAt.at(-1)).toBeLessThan(head);

    const last = spawnApp("projector/src/main.ts", env);
    children.push(last);
    await until("catching up", async () => (await readCheckpoint(ctx.db)) === head, last);
    const view = await ctx.db.selectFrom("coupon_view").select("claimed").where("coupon_id", "=", def.couponId).executeTakeFirstOrThrow();
    expect(view.claimed).toBe(CLAIMS);
    const count = async (table: "coupon_claims" | "event_handled") =>
      Number(
        (
          await ctx.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as("n"))
            .executeTakeFirstOrThrow()
        ).n,
      );
    expect(await count("coupon_claims")).toBe(CLAIMS);
    expect(await count("event_handled")).toBe(CLAIMS + 1);

    // A graceful stop leaves the group and exits cleanly.
    last.child.kill("SIGTERM");
    expect(await last.exited).toBe(0);
  });
});
