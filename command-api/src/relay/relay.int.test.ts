import { afterEach, describe, expect, it } from "vitest";
import { sql } from "kysely";
import { EVENT_CATEGORIES, topicForStream } from "@surge/platform/kafka/topics";
import { newId } from "@surge/platform/ids";
import { readCheckpoint, RELAY_CHECKPOINT } from "@surge/platform/db/checkpoints";
import { z } from "zod";
import { eventType } from "@surge/platform/events/event-type";
import { type NewEvent, type StoredEvent } from "@surge/platform/eventstore/types";
import { buildKafkaMock, readTopicsToEnd, type ReadRecord } from "@surge/testkit/kafka-mock";
import { useKafkaMock } from "@surge/testkit/kafka-fixture";
import { failingWriters } from "@surge/testkit/failing-writers";
import { rawEvent } from "@surge/testkit/raw-event";
import { waitFor } from "@surge/testkit/wait";
import { readRelayEnv } from "./env.js";
import { startRelay, type RelayOverrides, type RunningRelay } from "./start.js";

const build = await buildKafkaMock();
if (build.skip) console.warn(`relay tests: ${build.skip}`);

const { ctx, kafka } = useKafkaMock(build);
const relays: RunningRelay[] = [];
afterEach(async () => {
  for (const r of relays.splice(0)) await r.stop();
});

const ThingHappened = eventType("ThingHappened", z.object({ n: z.number().int() }));
const event = (n: number, eventId?: string): NewEvent => rawEvent(ThingHappened, { n }, { eventId, correlationId: "c" });
const category = () => EVENT_CATEGORIES[Math.floor(Math.random() * EVENT_CATEGORIES.length)]!;

async function relay(overrides: RelayOverrides = {}, env: Record<string, string> = {}): Promise<RunningRelay> {
  const r = await startRelay(
    readRelayEnv({
      ...ctx.appEnv,
      KAFKA_BROKERS: kafka.brokers,
      // librdkafka 2.0.2's mock cannot serve InitProducerId (it reports controller 0).
      KAFKA_IDEMPOTENT: "false",
      RELAY_PORT: "0",
      RELAY_BATCH_SIZE: "50",
      RELAY_IDLE_MS: "5",
      RELAY_BACKOFF_MIN_MS: "50",
      RELAY_BACKOFF_MAX_MS: "400",
      RELAY_LEASE_TTL_MS: "1500",
      ...env,
    }),
    overrides,
  );
  relays.push(r);
  return r;
}

const until = (what: string, ok: () => Promise<boolean>, timeoutMs = 30_000) => waitFor(what, ok, { timeoutMs, everyMs: 20 });
const published = async () => (await readCheckpoint(ctx.db, RELAY_CHECKPOINT)) >= (await ctx.store.headPosition());
const metric = (text: string, name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(text)?.[1]);
const scrape = async (r: RunningRelay) => (await fetch(`${r.url}/metrics`)).text();

const eventsOf = (records: ReadRecord[]) =>
  records.flatMap((r) => (r.record.kind === "event" ? [{ ...r, event: r.record.event }] : [])) as Array<ReadRecord & { event: StoredEvent }>;

const byPartition = <T extends ReadRecord>(records: T[]) => {
  const groups = new Map<string, T[]>();
  for (const r of records) groups.set(`${r.topic}/${r.partition}`, [...(groups.get(`${r.topic}/${r.partition}`) ?? []), r]);
  return groups;
};

/**
 * Whatever else happened, each partition must keep the watermark contract: the first copy of an
 * event comes before any watermark at or above its position (later copies are crash duplicates).
 */
function expectWatermarkContract(records: ReadRecord[]): void {
  for (const [key, list] of byPartition(records)) {
    let watermark = 0;
    const seen = new Set<string>();
    for (const r of list) {
      if (r.record.kind === "watermark") watermark = Math.max(watermark, r.record.position);
      else if (r.record.kind === "event" && !seen.has(r.record.event.eventId)) {
        seen.add(r.record.event.eventId);
        expect(r.record.event.position, `${key}@${r.offset} comes after watermark ${watermark}`).toBeGreaterThan(watermark);
      }
    }
  }
}

describe.skipIf(build.skip)("the relay", () => {
  it(
    "publishes every committed event exactly once, in order, keyed by stream: 8 writers, random delays before commit, rollbacks",
    { timeout: 90_000 },
    async () => {
      const start = await ctx.store.headPosition();
      const { writers, rollbacks } = failingWriters(ctx.db, 8);
      await relay();
      const committed = new Set<string>();
      await Promise.all(
        writers.map(async (w, wi) => {
          for (let i = 0; i < 30; i++) {
            await Promise.all(
              Array.from({ length: 3 }, (_, j) => {
                const id = newId();
                // A few appends of two events to one stream: they must stay in stream order.
                const events = j === 0 ? [event(i, id), event(i)] : [event(i, id)];
                return w
                  .append(`${category()}-${wi}-${i}-${j}`, "no_stream", events)
                  .then(() => committed.add(id))
                  .catch(() => undefined);
              }),
            );
          }
        }),
      );
      await until("the relay to publish everything", published);
      const stored = (await ctx.store.readAll(start, 100_000)).filter((e) => e.type === "ThingHappened");
      const records = await readTopicsToEnd(kafka.brokers);
      const inKafka = eventsOf(records).filter((r) => r.event.position > start);

      expect(rollbacks()).toBeGreaterThan(0);
      expect(committed.size).toBeGreaterThan(400);
      // Exactly once: no crash happened, so no duplicate; none skipped.
      expect(inKafka.map((r) => r.event.eventId).sort()).toEqual(stored.map((e) => e.eventId).sort());
      for (const r of inKafka) {
        expect(r.topic).toBe(topicForStream(r.event.streamId));
        expect(r.key).toBe(r.event.streamId);
      }
      // Per partition, in store order (so each stream in version order).
      for (const list of byPartition(inKafka).values()) {
        const ps = list.map((r) => r.event.position);
        expect(ps).toEqual([...ps].sort((a, b) => a - b));
      }
      // Every partition of every topic got watermarks, the last one at the head.
      const head = await ctx.store.headPosition();
      const lastWatermarks = new Map<string, number>();
      for (const r of records) if (r.record.kind === "watermark") lastWatermarks.set(`${r.topic}/${r.partition}`, r.record.position);
      expect(lastWatermarks.size).toBe(7 * 3);
      expect(new Set(lastWatermarks.values())).toEqual(new Set([head]));
      expectWatermarkContract(records);
    },
  );

  it("publishes a batch again after a crash between the broker's ack and the checkpoint: duplicates, never a gap", { timeout: 60_000 }, async () => {
    const start = await ctx.store.headPosition();
    let crashes = 0;
    let batches = 0;
    await relay({
      hooks: {
        afterPublish: async () => {
          // Every third batch, the first one included, "dies" after Kafka acknowledged it and before
          // the checkpoint moved: however the relay happens to batch, at least one crash happens.
          if (batches++ % 3 === 0 && crashes < 8) {
            crashes++;
            throw new Error("injected crash after publish");
          }
        },
      },
    });
    for (let i = 0; i < 20; i++)
      await ctx.store.append(
        `${category()}-${newId()}`,
        "no_stream",
        Array.from({ length: 15 }, (_, n) => event(n)),
      );
    await until("the relay to publish everything", published);
    const stored = await ctx.store.readAll(start, 100_000);
    const records = await readTopicsToEnd(kafka.brokers);
    const inKafka = eventsOf(records).filter((r) => r.event.position > start);
    expect(crashes).toBeGreaterThan(0);
    expect(new Set(inKafka.map((r) => r.event.eventId))).toEqual(new Set(stored.map((e) => e.eventId)));
    expect(inKafka.length).toBeGreaterThan(stored.length);
    expectWatermarkContract(records);
  });

  it("keeps appends succeeding while Kafka is down, reports lag, backs off and catches up", { timeout: 60_000 }, async () => {
    const retries: number[] = [];
    const r = await relay({ hooks: { onError: (_err, retryInMs) => void retries.push(retryInMs) } });
    await until("an idle relay", published);
    await kafka.down();
    try {
      const appended = [];
      for (let i = 0; i < 40; i++) appended.push(await ctx.store.append(`order-${newId()}`, "no_stream", [event(i)]));
      expect(appended).toHaveLength(40);
      let text = "";
      await until("a second of lag and repeated failures", async () => {
        text = await scrape(r);
        return metric(text, "relay_lag_seconds") > 1 && metric(text, "relay_publish_failures_total") > 1;
      });
      expect(metric(text, "relay_lag_events")).toBe(40);
      expect(metric(text, "relay_lag_seconds")).toBeGreaterThan(1);
      expect(metric(text, "relay_publish_failures_total")).toBeGreaterThan(1);
      expect(metric(text, "relay_lease_held")).toBe(1);
    } finally {
      await kafka.up();
    }
    await until("catching up after the broker is back", published, 20_000);
    const text = await scrape(r);
    expect(metric(text, "relay_lag_events")).toBe(0);
    expect(metric(text, "relay_lag_seconds")).toBe(0);
    // Recovery is prompt: the relay never waited more than the 400 ms backoff cap between attempts.
    expect(retries.length).toBeGreaterThan(1);
    expect(Math.max(...retries)).toBeLessThanOrEqual(400);
  });

  it("lets one relay publish while others stand by, and hands over when it stops", { timeout: 60_000 }, async () => {
    const counts = [0, 0, 0];
    const rs: RunningRelay[] = [];
    for (const i of [0, 1, 2]) rs.push(await relay({ hooks: { onPublished: (events) => void (counts[i]! += events.length) } }));
    await until("a lease holder", async () => rs.some((r) => r.lease.held));
    // A renewal round on every relay after the holder took the lease: the others try and are refused.
    for (const r of rs) await r.lease.acquire();
    expect(rs.filter((r) => r.lease.held)).toHaveLength(1);
    const active = rs.findIndex((r) => r.lease.held);
    for (let i = 0; i < 10; i++) await ctx.store.append(`coupon-${newId()}`, "no_stream", [event(i)]);
    await until("publishing", published);
    expect(counts.filter((c) => c > 0)).toEqual([counts[active]]);

    // A graceful stop frees the lease: a standby takes over without waiting for it to expire.
    const before = [...counts];
    await rs[active]!.stop();
    relays.splice(relays.indexOf(rs[active]!), 1);
    // Freed by the stop itself: the row has expired already (by the database clock), or a standby has it.
    const row = (
      await sql<{ owner: string; expired: number }>`SELECT owner, expires_at <= CURRENT_TIMESTAMP(3) AS expired FROM leases WHERE name = 'relay'`.execute(
        ctx.db,
      )
    ).rows[0]!;
    expect(row.owner !== rs[active]!.lease.owner || Number(row.expired) === 1).toBe(true);
    await until("a new lease holder", async () => rs.some((r) => r.lease.held));
    for (let i = 0; i < 10; i++) await ctx.store.append(`coupon-${newId()}`, "no_stream", [event(i)]);
    await until("publishing again", published);
    // Standbys only: on a loaded machine a late lease renewal may hand over between the two again.
    const gained = counts.map((c, i) => c - before[i]!);
    expect(gained[active]).toBe(0);
    expect(gained.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(10);
    expect(rs.filter((r) => r.lease.held)).toHaveLength(1);
  });
});
