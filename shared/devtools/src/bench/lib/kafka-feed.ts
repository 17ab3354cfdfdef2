import { setTimeout as delay } from "node:timers/promises";
import { createKafka } from "@surge/platform/kafka/client";
import { createLogger } from "@surge/platform/logging";
import { readCheckpoint } from "@surge/platform/db/checkpoints";
import { type Db } from "@surge/platform/db/database";
import { type EventStore } from "@surge/platform/eventstore/types";
import type { KafkaMock } from "@surge/testkit/kafka-mock";
import { KafkaPublisher } from "@surge/platform/kafka/publisher";
import { BENCH_PARTITIONS } from "./kafka.js";

/** Relay batches, as RELAY_BATCH_SIZE's default. */
const BATCH = 500;

/**
 * Publishes the store to the mock as the relay does (its own publisher: category topics, stream
 * keys, a watermark to every partition after each batch), but never more than `maxAhead` events
 * ahead of the projector's checkpoint: the mock keeps only about 5 MB of a partition, and drops
 * what a slower projector has not read yet. Resolves once the whole store is published.
 */
export async function feedKafka(kafka: KafkaMock, store: EventStore, projectorDb: Db, maxAhead: number): Promise<void> {
  const logger = createLogger("bench-feed", "error", false);
  const publisher = new KafkaPublisher(
    createKafka({ brokers: [kafka.brokers], clientId: "surge-bench-feed", logger }),
    { idempotent: false, partitions: BENCH_PARTITIONS },
    logger,
  );
  try {
    for (let after = 0; ;) {
      const events = await store.readAll(after, BATCH);
      const last = events.at(-1);
      if (!last) return;
      while (last.position - (await readCheckpoint(projectorDb)) > maxAhead) await delay(5);
      await publisher.publish(events);
      after = last.position;
    }
  } finally {
    await publisher.close();
  }
}
