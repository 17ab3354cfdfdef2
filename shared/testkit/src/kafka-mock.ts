import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { existsSync, readFileSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Kafka, logLevel } from "kafkajs";
import { DEAD_LETTER_TOPIC, EVENT_TOPICS } from "@surge/platform/kafka/topics";
import { decodeMessage, type DecodedRecord } from "@surge/platform/kafka/codec";

const source = fileURLToPath(new URL("./kafka-mock/mock-cluster.c", import.meta.url));

export type KafkaMockBuild = { binary: string; skip?: undefined } | { binary?: undefined; skip: string };

/**
 * Compiles the mock-cluster launcher (librdkafka's mock broker) once per source version. Skips,
 * with the reason, only when librdkafka's headers are missing; any other compile error fails.
 */
export async function buildKafkaMock(): Promise<KafkaMockBuild> {
  const text = readFileSync(source);
  const binary = join(tmpdir(), `surge-mock-cluster-${createHash("sha256").update(text).digest("hex").slice(0, 12)}`);
  if (existsSync(binary)) return { binary };
  // Another test file may be compiling at the same moment: build aside, then rename into place.
  const partial = `${binary}.${process.pid}`;
  try {
    await promisify(execFile)("cc", ["-O1", "-Wall", "-o", partial, source, "-lrdkafka"]);
  } catch (err) {
    const stderr = String((err as { stderr?: string }).stderr ?? err);
    if (/rdkafka(_mock)?\.h/.test(stderr)) return { skip: "librdkafka headers are missing (apt-get install librdkafka-dev); Kafka tests skipped" };
    throw new Error(`compiling the Kafka mock failed:\n${stderr}`);
  }
  renameSync(partial, binary);
  return { binary };
}

export interface KafkaMock {
  /** host:port list for KAFKA_BROKERS. */
  brokers: string;
  /** The broker closes every connection and refuses new ones; what it stored is kept. */
  down(): Promise<void>;
  up(): Promise<void>;
  /** Delays every response of the broker (a slow, not dead, Kafka). */
  rtt(ms: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A running mock cluster (one broker) with every Surge topic created. librdkafka 2.0.2's mock has
 * no persistence and picks its own port, so an outage is simulated with `down()`/`up()` on the
 * live broker rather than by restarting the process.
 */
export async function startKafkaMock(binary: string, opts: { partitions?: number; topics?: readonly string[] } = {}): Promise<KafkaMock> {
  const topics = opts.topics ?? [...EVENT_TOPICS, DEAD_LETTER_TOPIC];
  const child: ChildProcess = spawn(binary, ["-p", String(opts.partitions ?? 3), ...topics], { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async (what: string): Promise<string> => {
    const line = await lines.next();
    if (line.done) throw new Error(`the Kafka mock exited before ${what}: ${stderr}`);
    return line.value;
  };
  const brokers = await next("printing its address");
  const command = async (cmd: string) => {
    child.stdin!.write(`${cmd}\n`);
    const answer = await next(`answering "${cmd}"`);
    if (answer !== "ok") throw new Error(`Kafka mock "${cmd}": ${answer}`);
  };
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    brokers,
    down: () => command("down 1"),
    up: () => command("up 1"),
    rtt: (ms) => command(`rtt 1 ${ms}`),
    stop: async () => {
      child.kill("SIGKILL");
      await exited;
    },
  };
}

/** Env for the Kafka-mode apps (relay, projector) against the mock, on top of a test context's appEnv. */
export const kafkaTestEnv = (ctx: { appEnv: Record<string, string> }, kafka: KafkaMock): Record<string, string> => ({
  ...ctx.appEnv,
  KAFKA_BROKERS: kafka.brokers,
  // The 2.0.2 mock reports controller id 0: no InitProducerId, so no idempotent producer.
  KAFKA_IDEMPOTENT: "false",
  // A rebalance on the mock waits about the session timeout: keep it short.
  KAFKA_SESSION_TIMEOUT_MS: "6000",
  PROJECTOR_PORT: "0",
  PROJECTOR_RETRY_MS: "50",
  PROJECTOR_LEASE_TTL_MS: "1500",
  RELAY_PORT: "0",
  RELAY_IDLE_MS: "5",
  RELAY_BACKOFF_MIN_MS: "50",
  RELAY_BACKOFF_MAX_MS: "500",
  RELAY_LEASE_TTL_MS: "1000",
});

export interface ReadRecord {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  record: DecodedRecord;
}

/**
 * Reads every record the topics hold right now (up to each partition's end offset at the call),
 * in offset order per partition, with a throwaway consumer group.
 */
export async function readTopicsToEnd(brokers: string, topics: readonly string[] = EVENT_TOPICS, timeoutMs = 30_000): Promise<ReadRecord[]> {
  const kafka = new Kafka({ clientId: "surge-test-reader", brokers: [brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<string, number>();
  try {
    for (const topic of topics) {
      for (const p of await admin.fetchTopicOffsets(topic)) ends.set(`${topic}/${p.partition}`, Number(p.high));
    }
  } finally {
    await admin.disconnect();
  }
  const records: ReadRecord[] = [];
  const reached = new Map<string, number>();
  const done = () => [...ends].every(([k, end]) => (reached.get(k) ?? 0) >= end);
  if (done()) return records;
  const consumer = kafka.consumer({ groupId: `surge-test-reader-${randomUUID()}`, sessionTimeout: 6000, heartbeatInterval: 500 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...topics], fromBeginning: true });
    let finished: () => void = () => undefined;
    const all = new Promise<void>((resolve) => (finished = resolve));
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const key = `${batch.topic}/${batch.partition}`;
        const end = ends.get(key) ?? 0;
        for (const m of batch.messages) {
          if (Number(m.offset) >= end) break;
          records.push({ topic: batch.topic, partition: batch.partition, offset: Number(m.offset), key: m.key?.toString() ?? null, record: decodeMessage(m) });
          reached.set(key, Number(m.offset) + 1);
        }
        if (done()) finished();
      },
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      all,
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`reading topics timed out: ${JSON.stringify([...reached])}`)), timeoutMs))),
    ]);
    clearTimeout(timer);
  } finally {
    await consumer.disconnect();
  }
  return records.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition || a.offset - b.offset);
}
