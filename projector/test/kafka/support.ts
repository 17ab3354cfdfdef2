import { sql } from "kysely";
import { EVENT_TOPICS, topicForStream } from "@surge/platform/kafka/topics";
import { eventMessage, watermarkMessage } from "@surge/platform/kafka/codec";
import { Kafka, logLevel, Partitioners, type Message } from "kafkajs";
import { readCheckpoint } from "@surge/platform/db/checkpoints";
import { type Db } from "@surge/platform/db/database";
import { type StoredEvent } from "@surge/platform/eventstore/types";
import type { TestContext } from "@surge/testkit/context";
import { applyBatch } from "@surge/platform/projection/apply";
import { readEnv } from "../../src/env.js";
import { handlersFor } from "@surge/areas/projections";
import { startProjector, type Projector } from "../../src/start.js";

export { kafkaTestEnv as kafkaEnv } from "@surge/testkit/kafka-mock";

export const startKafkaProjector = (env: Record<string, string>): Promise<Projector> => startProjector(readEnv(env));

export const projected = (ctx: TestContext) => async () => (await readCheckpoint(ctx.db)) >= (await ctx.store.headPosition());

/**
 * The read-your-writes promise of the checkpoint: every event at or below it is in the read models.
 * Positions in the store have no gaps, so in a database projected from position 1 that means exactly
 * C event_handled rows at or below C (the checkpoint is read first; rows only ever get added).
 */
export async function checkpointIsSafe(db: Db): Promise<{ checkpoint: number; handled: number }> {
  const checkpoint = await readCheckpoint(db);
  const { rows } = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM event_handled WHERE position <= ${checkpoint}`.execute(db);
  return { checkpoint, handled: Number(rows[0]?.n) };
}

/** Publishes events as the relay does (category topics, stream keys, one watermark per partition after them), or with tweaks. */
export async function produce(
  brokers: string,
  batches: Array<{ events: StoredEvent[]; watermark?: number | null; extra?: Array<{ topic: string; message: Message }> }>,
): Promise<void> {
  const kafka = new Kafka({ clientId: "surge-test-producer", brokers: [brokers], logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  const admin = kafka.admin();
  await Promise.all([producer.connect(), admin.connect()]);
  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: [...EVENT_TOPICS] });
    for (const b of batches) {
      const byTopic = new Map<string, Message[]>(EVENT_TOPICS.map((t) => [t, []]));
      for (const e of b.events) byTopic.get(topicForStream(e.streamId))!.push(eventMessage(e));
      for (const x of b.extra ?? []) byTopic.get(x.topic)!.push(x.message);
      const watermark = b.watermark === undefined ? b.events.at(-1)?.position : b.watermark;
      if (watermark !== null && watermark !== undefined) {
        for (const t of topics) for (const p of t.partitions) byTopic.get(t.name)!.push(watermarkMessage(watermark, p.partitionId));
      }
      await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
    }
  } finally {
    await Promise.all([producer.disconnect(), admin.disconnect()]);
  }
}

/** Tables the projector does not own: the store, bookkeeping, and other apps' tables. */
const notReadModels = new Set([
  "events",
  "event_sequence",
  "guard_fences",
  "event_handled",
  "projection_checkpoints",
  "projection_failures",
  "leases",
  "kysely_migration",
  "kysely_migration_lock",
]);

/** Every read model, row by row: each row as JSON, sorted, per table. */
export async function snapshotReadModels(db: Db): Promise<Record<string, string[]>> {
  const { rows } = await sql<{
    name: string;
  }>`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY table_name`.execute(db);
  const out: Record<string, string[]> = {};
  for (const { name } of rows) {
    if (notReadModels.has(name)) continue;
    const table = await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(name)}`.execute(db);
    out[name] = table.rows.map((r) => JSON.stringify(r)).sort();
  }
  return out;
}

/** Empties the read models and the projector's bookkeeping, then projects the whole store the embedded way. */
export async function rebuildEmbedded(db: Db, ctx: TestContext, businessTz: string): Promise<void> {
  const tables = Object.keys(await snapshotReadModels(db));
  for (const t of [...tables, "event_handled"]) await sql`DELETE FROM ${sql.table(t)}`.execute(db);
  await sql`DELETE FROM projection_checkpoints WHERE name = 'projector'`.execute(db);
  const handlers = handlersFor(businessTz);
  for (let after = 0; ;) {
    const events = await ctx.store.readAll(after, 500);
    if (events.length === 0) return;
    await applyBatch(db, handlers, events);
    after = events.at(-1)!.position;
  }
}
