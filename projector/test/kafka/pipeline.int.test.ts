import { setTimeout as delay } from "node:timers/promises";
import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import { readCheckpoint, RELAY_CHECKPOINT } from "@surge/platform/db/checkpoints";
import { buildKafkaMock, readTopicsToEnd } from "@surge/testkit/kafka-mock";
import { useKafkaMock } from "@surge/testkit/kafka-fixture";
import { spawnApp, type ChildApp } from "@surge/testkit/child-app";
import { MixSeeder } from "./mix.js";
import { waitFor } from "@surge/testkit/wait";
import { checkpointIsSafe, kafkaEnv, projected, rebuildEmbedded, snapshotReadModels, startKafkaProjector } from "./support.js";

const build = await buildKafkaMock();
if (build.skip) console.warn(`Kafka pipeline tests: ${build.skip}`);

const { ctx, kafka } = useKafkaMock(build);
const children: ChildApp[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.child.kill("SIGKILL");
});

const RELAY = "command-api/src/relay/main.ts";

describe.skipIf(build.skip)("store → relay → Kafka → projector", () => {
  it("builds, row for row, the read models the embedded projector builds, with the relay SIGKILLed mid-publish", { timeout: 180_000 }, async () => {
    const env = kafkaEnv(ctx, kafka);
    const mix = new MixSeeder(ctx.store);
    await mix.setUp();
    await mix.orders(60);
    const projector = await startKafkaProjector({ ...env, PROJECTOR_BATCH_SIZE: "64" });

    // Whenever the checkpoint is read, every event up to it must be in the read models (X-Min-Position).
    let sampling = true;
    // Stopped however the test ends, so a failed wait leaves no query running into the closed pool.
    onTestFinished(() => {
      sampling = false;
    });
    const unsafe: Array<{ checkpoint: number; handled: number }> = [];
    let samples = 0;
    const sampler = (async () => {
      while (sampling) {
        const s = await checkpointIsSafe(ctx.db);
        samples++;
        if (s.handled !== s.checkpoint) unsafe.push(s);
        await delay(20);
      }
    })();

    // Slow acknowledgements: a kill now mostly lands after the broker appended a batch and before
    // the relay moved its checkpoint, so the next relay publishes that batch again.
    await kafka.rtt(60);
    const writing = mix.orders(120);
    for (let k = 0; k < 3; k++) {
      const from = await readCheckpoint(ctx.db, RELAY_CHECKPOINT);
      const relay = spawnApp(RELAY, { ...env, RELAY_BATCH_SIZE: "25" });
      children.push(relay);
      await waitFor("the relay to publish a batch", async () => (await readCheckpoint(ctx.db, RELAY_CHECKPOINT)) > from, {
        timeoutMs: 30_000,
        detail: relay.output,
      });
      await delay(50 + Math.random() * 300);
      relay.child.kill("SIGKILL");
      await relay.exited;
    }
    await writing;
    await kafka.rtt(0);
    const last = spawnApp(RELAY, { ...env, RELAY_BATCH_SIZE: "25" });
    children.push(last);
    const head = await ctx.store.headPosition();
    await waitFor("the relay to publish everything", async () => (await readCheckpoint(ctx.db, RELAY_CHECKPOINT)) >= head, {
      timeoutMs: 60_000,
      detail: last.output,
    });
    // A starved machine (a consumer group rebalancing after missed heartbeats) can take a while here.
    await waitFor("the projector to apply everything", projected(ctx), 120_000);
    sampling = false;
    await sampler;
    expect(unsafe).toEqual([]);
    expect(samples).toBeGreaterThan(10);

    const stored = await ctx.store.readAll(0, 1_000_000);
    const inKafka = (await readTopicsToEnd(kafka.brokers)).flatMap((r) => (r.record.kind === "event" ? [r.record.event.eventId] : []));
    expect(new Set(inKafka)).toEqual(new Set(stored.map((e) => e.eventId)));
    // The kills left duplicates in Kafka; the read models below must not show them.
    const duplicates = inKafka.length - stored.length;
    console.warn(`pipeline: ${stored.length} events, ${duplicates} duplicates in Kafka after 3 relay kills`);
    expect(duplicates).toBeGreaterThan(0);

    await projector.stop();
    const viaKafka = await snapshotReadModels(ctx.db);
    const handled = Number(
      (
        await ctx.db
          .selectFrom("event_handled")
          .select((eb) => eb.fn.countAll().as("n"))
          .executeTakeFirstOrThrow()
      ).n,
    );
    expect(handled).toBe(stored.length);
    expect(viaKafka["orders"]).toHaveLength(stored.filter((e) => e.type === "OrderPlaced").length);
    expect(viaKafka["coupon_claims"]).toHaveLength(80);
    expect(viaKafka["wallets"]).toHaveLength(12);

    await rebuildEmbedded(ctx.db, ctx, "Asia/Seoul");
    const embedded = await snapshotReadModels(ctx.db);
    expect(Object.keys(viaKafka).length).toBeGreaterThanOrEqual(8);
    for (const table of Object.keys(embedded)) expect(viaKafka[table], table).toEqual(embedded[table]);
  });
});
