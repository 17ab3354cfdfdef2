import { readFile } from "node:fs/promises";
import { setTimeout as delay } from "node:timers/promises";
import { EVENT_TOPICS } from "@surge/platform/kafka/topics";
import { Kafka, logLevel } from "kafkajs";
import { watermarkMessage } from "@surge/platform/kafka/codec";
import { buildKafkaMock, startKafkaMock, type KafkaMock } from "@surge/testkit/kafka-mock";
import type { Cleanup } from "./cleanup.js";
import { findPids } from "./cpu-usage.js";

/** Partitions per topic: the relay's default (KAFKA_PARTITIONS), so the projector merges as many as in production. */
export const BENCH_PARTITIONS = 6;

/** PROJECTOR_KAFKA_GROUP's default. */
const PROJECTOR_GROUP = "surge-projector";

/**
 * librdkafka's mock cluster, the broker the Kafka tests use (there is no real one on a bench box).
 * It runs in its own process, with every topic created; the reason instead when librdkafka's
 * headers are missing.
 */
export async function startBenchKafka(cleanup: Cleanup): Promise<KafkaMock | string> {
  const build = await buildKafkaMock();
  if (build.skip !== undefined) return build.skip;
  const kafka = await startKafkaMock(build.binary, { partitions: BENCH_PARTITIONS });
  cleanup.add(kafka.stop);
  return kafka;
}

/** The mock's process (a child of this one: Kafka tests running beside the bench have their own). */
export async function mockPids(): Promise<number[]> {
  const ours = await Promise.all(
    (await findPids((c) => c.includes("surge-mock-cluster"))).map(async (pid) => {
      const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
      return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === process.pid ? pid : null;
    }),
  );
  return ours.filter((pid): pid is number => pid !== null);
}

/** Env of the relay and projector against the mock; the rest stays at production defaults. */
export const kafkaEnv = (kafka: KafkaMock): Record<string, string> => ({
  KAFKA_BROKERS: kafka.brokers,
  // The 2.0.2 mock reports controller id 0: no InitProducerId, so no idempotent producer.
  KAFKA_IDEMPOTENT: "false",
  KAFKA_PARTITIONS: String(BENCH_PARTITIONS),
  // A join on the mock waits about the session timeout; production's 30 s would dominate a run.
  KAFKA_SESSION_TIMEOUT_MS: "6000",
});

/**
 * Resolves once the projector's consumer group has joined and reads every partition. The mock
 * cannot describe groups, so a watermark of position 0 (true of any log, changes nothing) goes to
 * each partition: the projector commits past it as soon as it reads it.
 */
export async function waitForProjectorGroup(kafka: KafkaMock, timeoutMs: number): Promise<void> {
  const client = new Kafka({ clientId: "surge-bench-probe", brokers: [kafka.brokers], logLevel: logLevel.NOTHING });
  const producer = client.producer({ allowAutoTopicCreation: false });
  const admin = client.admin();
  await Promise.all([producer.connect(), admin.connect()]);
  try {
    const messages = (topic: string) => Array.from({ length: BENCH_PARTITIONS }, (_, p) => watermarkMessage(0, p)).map((m) => ({ ...m, topic }));
    await producer.sendBatch({ acks: -1, topicMessages: EVENT_TOPICS.map((topic) => ({ topic, messages: messages(topic) })) });
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const offsets = await admin.fetchOffsets({ groupId: PROJECTOR_GROUP, topics: [...EVENT_TOPICS] });
      if (offsets.every((t) => t.partitions.every((p) => Number(p.offset) >= 1))) return;
      if (performance.now() > deadline) throw new Error(`the projector did not join its consumer group within ${timeoutMs / 1000} s`);
      await delay(20);
    }
  } finally {
    await Promise.all([producer.disconnect(), admin.disconnect()]);
  }
}
