import { DEAD_LETTER_TOPIC, EVENT_TOPICS, topicForStream } from "./topics.js";
import { eventMessage, watermarkMessage } from "./codec.js";
import { Partitioners, type Kafka, type Message, type Producer } from "kafkajs";
import { type Logger } from "pino";
import { type StoredEvent } from "../eventstore/types.js";

export interface PublisherOptions {
  idempotent: boolean;
  /** Partitions per topic when this publisher creates the topics. */
  partitions: number;
}

/** Where a batch of events goes: the relay's only view of Kafka (tests substitute it). */
export interface EventPublisher {
  /** Resolves once the broker acknowledged every event of the batch and the watermarks after them. */
  publish(events: StoredEvent[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * Produces events by category topic, keyed by stream id, then a watermark carrying the batch's last
 * position to every partition of every event topic, in the same produce call. Within a partition
 * the watermark therefore lands after every event of the batch that went there, and batches are
 * sent one at a time, so a consumer that has read a partition up to watermark P has read every
 * event ≤ P that the partition will ever hold (duplicates from a retry aside).
 */
export class KafkaPublisher implements EventPublisher {
  private producer: Producer | null = null;
  private partitionCounts: Map<string, number> | null = null;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: PublisherOptions,
    private readonly logger: Logger,
  ) {}

  async publish(events: StoredEvent[]): Promise<void> {
    const last = events.at(-1);
    if (!last) return;
    try {
      const producer = await this.connected();
      const counts = await this.counts();
      const byTopic = new Map<string, Message[]>(EVENT_TOPICS.map((t) => [t, []]));
      for (const e of events) byTopic.get(topicForStream(e.streamId))!.push(eventMessage(e));
      for (const [topic, messages] of byTopic) {
        for (let p = 0; p < counts.get(topic)!; p++) messages.push(watermarkMessage(last.position, p));
      }
      await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
    } catch (err) {
      // Partition counts may have changed, or the connection is gone: look again on the next try.
      this.partitionCounts = null;
      throw err;
    }
  }

  async close(): Promise<void> {
    const producer = this.producer;
    this.producer = null;
    await producer?.disconnect();
  }

  private async connected(): Promise<Producer> {
    if (this.producer) return this.producer;
    const producer = this.kafka.producer({
      idempotent: this.options.idempotent,
      // One request at a time keeps a retried request from landing after a later one.
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    try {
      await producer.connect();
    } catch (err) {
      // Not kept: the next attempt starts from a fresh producer, so drop this one's sockets and timers.
      await producer.disconnect().catch(() => undefined);
      throw err;
    }
    this.producer = producer;
    await this.createTopics();
    return producer;
  }

  /** Creates missing topics; brokers that refuse (or mocks without a controller) keep what they have. */
  private async createTopics(): Promise<void> {
    // Few retries: a broker that cannot create topics (no controller) should not hold up publishing.
    const admin = this.kafka.admin({ retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 500 } });
    try {
      await admin.connect();
      const topics = [...EVENT_TOPICS, DEAD_LETTER_TOPIC].map((topic) => ({ topic, numPartitions: this.options.partitions }));
      const created = await admin.createTopics({ topics, waitForLeaders: true });
      if (created) this.logger.info({ topics: topics.length, partitions: this.options.partitions }, "created Kafka topics");
    } catch (err) {
      this.logger.warn({ error: err instanceof Error ? err.message : String(err) }, "could not create Kafka topics; using the ones the broker has");
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  private async counts(): Promise<Map<string, number>> {
    if (this.partitionCounts) return this.partitionCounts;
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      const { topics } = await admin.fetchTopicMetadata({ topics: [...EVENT_TOPICS] });
      this.partitionCounts = new Map(topics.map((t) => [t.name, t.partitions.length]));
      const missing = EVENT_TOPICS.filter((t) => !this.partitionCounts!.get(t));
      if (missing.length > 0) throw new Error(`Kafka has no partitions for ${missing.join(", ")}`);
      return this.partitionCounts;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}
