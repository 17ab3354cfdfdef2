import { createHash } from "node:crypto";
import { DEAD_LETTER_TOPIC, EVENT_TOPICS } from "@surge/platform/kafka/topics";
import { decodeMessage, eventMessage } from "@surge/platform/kafka/codec";
import { type Consumer, type EachBatchPayload, type Kafka, type KafkaMessage, type Producer } from "kafkajs";
import { type Lease } from "@surge/platform/db/lease";
import { type Logger } from "pino";
import { type StoredEvent } from "@surge/platform/eventstore/types";
import type { FailureInfo, Quarantine } from "@surge/platform/projection/failures";
import { PoisonJudge } from "@surge/platform/projection/poison";
import { PartitionMerge, type ReadyEvent, type TopicPartition } from "./partition-merge.js";

export interface KafkaSourceOptions {
  groupId: string;
  sessionTimeoutMs: number;
  /** Events per transaction. */
  batchSize: number;
  /** First backoff after a failed batch; it doubles per failure up to 30 s. */
  retryMs: number;
  /** A handler failing this many times (for a reason other than the database) dead-letters its event. */
  attempts: number;
  topics?: readonly string[];
}

export interface KafkaSourceHooks {
  /** Applies events in one transaction (event_handled filter, handlers, checkpoint); quarantined ones are recorded instead. */
  apply: (events: StoredEvent[], quarantine: Quarantine) => Promise<void>;
  /** Moves the checkpoint to a safe position that no event of this batch carried. */
  advance: (position: number) => Promise<void>;
  /** The committed checkpoint: every event at or below it is in the read models. */
  checkpoint: () => Promise<number>;
  /** Events after `after` in the store, in position order: what fills a hole Kafka left. */
  readStore: (after: number, limit: number) => Promise<StoredEvent[]>;
  /** Records a record that is not an event at all (already dead-lettered). */
  recordUndecodable: (id: string, info: FailureInfo, raw: string) => Promise<void>;
  onError?: (err: unknown) => void;
  onDeadLetter?: (info: FailureInfo) => void;
  onSafePosition?: (position: number) => void;
  onRefilled?: (events: number) => void;
  /** After each drain: records received that the partitions' watermarks do not cover yet, held back. */
  onHeld?: (records: number) => void;
}

/** A partition that runs this far ahead of the safe position is paused until the others catch up. */
const MAX_HELD_PER_PARTITION = 20_000;
/** Batches' worth of records held before reading ahead waits for the apply in flight. */
const READ_AHEAD_BATCHES = 2;
const MAX_BACKOFF_MS = 30_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The leading events that follow `applied` without a hole: applying past a hole would skip it for good. */
function withoutHoles(applied: number, ready: ReadyEvent[]): ReadyEvent[] {
  let n = 0;
  while (n < ready.length && ready[n]!.event.position === applied + n + 1) n++;
  return n === ready.length ? ready : ready.slice(0, n);
}

/**
 * Kafka mode: the consumer group `surge-projector` reads every event topic. Records are merged
 * back into global position order with the relay's watermarks (see PartitionMerge), applied in
 * batches through the same apply as the store poller (one transaction each), and only then are
 * offsets committed. Redeliveries (a crash before the commit, relay duplicates) are filtered by
 * event_handled. Only the holder of the projector lease consumes, so one consumer sees every
 * partition, which the merge needs; other instances stand by.
 *
 * Applying runs beside fetching: kafkajs fetches again only once every batch of its last fetch was
 * handed over, so a batch handler that waited for the transaction would leave the broker idle
 * while the database works, and the database idle during the next fetch. A failed drain restarts
 * the consumer from the committed offsets, as any consumer failure does.
 */
export class KafkaSource {
  private running: Promise<void> | null = null;
  private stopping = false;
  private consumer: Consumer | null = null;
  private dlt: Producer | null = null;
  private merge: PartitionMerge | null = null;
  private assignment: TopicPartition[] = [];
  private complete = false;
  private crashed = false;
  /** The drain in flight: at most one, so batches commit in position order. */
  private draining: Promise<void> | null = null;
  /** Records arrived while the drain was finishing: it looks at the merge once more. */
  private more = false;
  /** What made a drain fail: the consumer is restarted, as after any failure. */
  private failure: unknown = null;
  private readonly paused = new Map<string, TopicPartition>();
  /** Woken whenever the drain commits a batch or ends: reading ahead waits here. */
  private readonly progress: Array<() => void> = [];
  /** Counts each event's handler failures and says when it is poison (a restart starts counting again). */
  private readonly poison: PoisonJudge;
  private readonly topics: readonly string[];

  constructor(
    private readonly kafka: Kafka,
    private readonly lease: Lease,
    private readonly hooks: KafkaSourceHooks,
    private readonly options: KafkaSourceOptions,
    private readonly logger: Logger,
  ) {
    this.topics = options.topics ?? EVENT_TOPICS;
    this.poison = new PoisonJudge(options.attempts);
  }

  start(): void {
    this.running ??= this.loop();
  }

  /** Lets the transaction in flight commit, leaves the group, then stops. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
    await this.dlt?.disconnect().catch(() => undefined);
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      if (!this.lease.held) {
        await sleep(100);
        continue;
      }
      try {
        await this.consumeWhileLeased();
        failures = 0;
      } catch (err) {
        failures++;
        this.hooks.onError?.(err);
        this.logger.error({ err, failures }, "Kafka consumer failed; reconnecting");
        await sleep(this.backoff(failures));
      }
    }
  }

  private async consumeWhileLeased(): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.options.groupId,
      sessionTimeout: this.options.sessionTimeoutMs,
      heartbeatInterval: Math.max(100, Math.floor(this.options.sessionTimeoutMs / 10)),
      allowAutoTopicCreation: false,
      // A broker answers a waiting fetch as soon as records arrive, but some (librdkafka's mock) only
      // when the wait is over: a short wait bounds the delay there and costs a few idle requests.
      maxWaitTimeInMs: 250,
      // Keep retrying through a broker outage instead of giving up after a few attempts.
      retry: { initialRetryTime: 200, maxRetryTime: 5000, retries: 10, restartOnFailure: async () => true },
    });
    this.consumer = consumer;
    this.crashed = false;
    this.failure = null;
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      // Offsets restart from the last commit after every join: so does everything held in memory.
      this.merge = null;
      this.paused.clear();
      this.assignment = Object.entries(e.payload.memberAssignment).flatMap(([topic, ps]) => ps.map((partition) => ({ topic, partition })));
      this.logger.info({ partitions: this.assignment.length }, "joined the consumer group");
    });
    consumer.on(consumer.events.CRASH, (e) => {
      if (!e.payload.restart) this.crashed = true;
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [...this.topics], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        // Each record is resolved (fetching moves on) once it is held in memory, and not before: a
        // batch left early is fetched again. Offsets are committed only after apply.
        eachBatchAutoResolve: false,
        eachBatch: (payload) => this.onBatch(consumer, payload),
      });
      while (!this.stopping && this.lease.held && !this.crashed && this.failure === null) await sleep(100);
      // The failure a batch hit, as it was thrown (an Error from the apply or the broker client).
      // eslint-disable-next-line @typescript-eslint/only-throw-error
      if (this.failure !== null) throw this.failure;
      if (this.crashed) throw new Error("the Kafka consumer crashed and will not restart itself");
      if (!this.stopping) this.logger.warn("projector lease lost; leaving the consumer group");
    } finally {
      this.consumer = null;
      this.merge = null;
      // The batch in flight commits (its offsets too) before the consumer leaves.
      await this.draining;
      await consumer.disconnect().catch(() => undefined);
    }
  }

  private async onBatch(consumer: Consumer, { batch, heartbeat, isRunning, isStale, resolveOffset }: EachBatchPayload): Promise<void> {
    if (this.failure !== null) return;
    if (!this.merge) {
      // A new merge starts at the committed checkpoint: the drain of the old one must be done.
      await this.draining;
      this.merge = await this.newMerge();
    }
    const merge = this.merge;
    const tp = { topic: batch.topic, partition: batch.partition };
    for (const m of batch.messages) {
      if (!isRunning() || isStale() || this.stopping) return;
      const decoded = decodeMessage(m);
      if (decoded.kind === "invalid") {
        await this.deadLetterUndecodable(tp, m, decoded.reason);
        merge.add(tp, m.offset, { kind: "done" });
      } else {
        merge.add(tp, m.offset, decoded);
      }
      resolveOffset(m.offset);
    }
    // kafkajs heartbeats between batches itself; one failing here shows up there too.
    this.startDrain(consumer, merge, () => heartbeat().catch(() => undefined));
    // Fetch on while the drain applies, but no further than a few batches ahead of it.
    while (this.draining && merge.pending() >= READ_AHEAD_BATCHES * this.options.batchSize) await new Promise<void>((r) => this.progress.push(r));
    this.flowControl(consumer, merge, tp);
  }

  /** Starts draining the merge in the background, or tells the drain in flight to look again. */
  private startDrain(consumer: Consumer, merge: PartitionMerge, heartbeat: () => Promise<void>): void {
    if (this.draining) {
      this.more = true;
      return;
    }
    this.draining = (async () => {
      do {
        this.more = false;
        await this.drain(consumer, merge, heartbeat);
        this.hooks.onHeld?.(merge.pending());
      } while (this.more && !this.stopping && this.merge === merge);
    })()
      .catch((err: unknown) => {
        this.failure = err;
      })
      .finally(() => {
        this.draining = null;
        this.wake();
        // Drained records may let a paused partition go on, with no batch coming to tell it.
        if (this.merge === merge) this.flowControl(consumer, merge);
      });
  }

  private wake(): void {
    for (const resolve of this.progress.splice(0)) resolve();
  }

  private async newMerge(): Promise<PartitionMerge> {
    const checkpoint = await this.hooks.checkpoint();
    this.complete = await this.assignedEverything();
    return new PartitionMerge(this.assignment, checkpoint);
  }

  /**
   * The safe position is a minimum over every partition; with some of them assigned elsewhere it
   * would claim too much. That only happens if two projectors share the group (the lease prevents
   * it); apply nothing then, and say so, rather than apply out of order.
   */
  private async assignedEverything(): Promise<boolean> {
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      const { topics } = await admin.fetchTopicMetadata({ topics: [...this.topics] });
      const total = topics.reduce((n, t) => n + t.partitions.length, 0);
      if (total === this.assignment.length) return true;
      this.logger.error(
        { assigned: this.assignment.length, total },
        "this projector holds only part of the partitions; not applying (is a second projector in the group?)",
      );
      return false;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /**
   * Applies everything at or below the safe position, batch by batch, committing offsets after
   * each. Stops after the batch in flight once the merge is replaced (a rejoin) or dropped.
   */
  private async drain(consumer: Consumer, merge: PartitionMerge, heartbeat: () => Promise<void>): Promise<void> {
    if (!this.complete) return;
    while (!this.stopping && this.merge === merge) {
      const safe = merge.safe();
      if (safe <= merge.applied) break;
      const delivered = merge.ready(this.options.batchSize);
      const ready = withoutHoles(merge.applied, delivered);
      if (ready.length === 0) {
        // The store's positions have no holes (one lock assigns them; a rollback returns its
        // numbers), so positions ≤ safe that Kafka did not deliver were lost on the way
        // (retention passed them, a broker fault): the store still has them.
        const holeEnd = Math.min(safe, (delivered[0]?.event.position ?? safe + 1) - 1);
        const lost = await this.hooks.readStore(merge.applied, Math.min(this.options.batchSize, holeEnd - merge.applied));
        if (lost.length === 0) {
          await this.hooks.advance(safe);
          merge.markApplied(safe);
        } else {
          this.logger.warn(
            { from: lost[0]!.position, to: lost.at(-1)!.position, events: lost.length },
            "events missing from Kafka; applying them from the store",
          );
          this.hooks.onRefilled?.(lost.length);
          const done = await this.applyReady(
            lost.map((event) => ({ event, source: "store" })),
            heartbeat,
          );
          if (!done) return;
          merge.markApplied(lost.at(-1)!.position);
        }
      } else {
        const done = await this.applyReady(ready, heartbeat);
        if (!done) return;
        merge.markApplied(ready.at(-1)!.event.position);
      }
      this.hooks.onSafePosition?.(merge.applied);
      await this.commit(consumer, merge);
      this.wake();
      await heartbeat();
    }
    await this.commit(consumer, merge);
  }

  /**
   * One transaction for the batch. A failure is retried with backoff; the database failing is
   * retried without limit, while an event whose handler keeps failing is dead-lettered after
   * `attempts` tries (at once if its data does not fit its schema) and the batch goes on without it.
   * Returns false if stopped before the batch committed.
   */
  private async applyReady(ready: ReadyEvent[], heartbeat: () => Promise<void>): Promise<boolean> {
    const quarantine = new Map<string, FailureInfo>();
    let transient = 0;
    for (;;) {
      if (this.stopping) return false;
      try {
        await this.hooks.apply(
          ready.map((r) => r.event),
          quarantine,
        );
        return true;
      } catch (err) {
        this.hooks.onError?.(err);
        const verdict = this.poison.judge(err, (e) => ready.find((r) => r.event.eventId === e.eventId)?.source ?? "unknown");
        if (verdict.kind === "transient") {
          transient++;
          this.logger[transient > 3 ? "error" : "warn"]({ err, failures: transient }, "applying a batch failed; retrying");
          await this.wait(this.backoff(transient), heartbeat);
          continue;
        }
        if (verdict.kind === "poison") {
          const { event, info } = verdict;
          await this.deadLetter(event, info, heartbeat);
          quarantine.set(event.eventId, info);
          this.hooks.onDeadLetter?.(info);
          this.logger.error(
            { eventId: event.eventId, type: event.type, position: event.position, source: info.source, error: info.error, attempts: info.attempts },
            "poison event dead-lettered; going on without it",
          );
          continue;
        }
        const { attempts } = verdict;
        this.logger.warn({ err, attempts }, "a handler failed; retrying the batch");
        await this.wait(this.backoff(attempts), heartbeat);
      }
    }
  }

  /** Sends the event to surge.dlt with the error (before it is recorded as failed: at least once there). */
  private async deadLetter(event: StoredEvent, info: FailureInfo, heartbeat: () => Promise<void>): Promise<void> {
    const m = eventMessage(event);
    await this.produceDlt({ ...m, headers: { ...m.headers, error: info.error, source: info.source, attempts: String(info.attempts) } }, heartbeat);
  }

  private async deadLetterUndecodable(tp: TopicPartition, m: KafkaMessage, reason: string): Promise<void> {
    const source = `${tp.topic}/${tp.partition}@${m.offset}`;
    const info: FailureInfo = { error: reason, attempts: 1, source };
    const raw = m.value?.toString("utf8") ?? "";
    await this.produceDlt({ key: m.key, value: m.value, headers: { ...m.headers, error: reason, source } }, async () => undefined);
    // The same record read again maps to the same row.
    const id = uuidFrom(source);
    await this.hooks.recordUndecodable(id, info, raw);
    this.hooks.onDeadLetter?.(info);
    this.logger.error({ source, error: reason }, "undecodable record dead-lettered");
  }

  private async produceDlt(message: Parameters<Producer["send"]>[0]["messages"][number], heartbeat: () => Promise<void>): Promise<void> {
    for (let failures = 1; ; failures++) {
      try {
        if (!this.dlt) {
          const producer = this.kafka.producer({ allowAutoTopicCreation: false, idempotent: false });
          await producer.connect();
          this.dlt = producer;
        }
        await this.dlt.send({ topic: DEAD_LETTER_TOPIC, acks: -1, messages: [message] });
        return;
      } catch (err) {
        if (this.stopping) throw err;
        this.logger.warn({ err, failures }, "producing to the dead-letter topic failed; retrying");
        await this.wait(this.backoff(failures), heartbeat);
      }
    }
  }

  private async commit(consumer: Consumer, merge: PartitionMerge): Promise<void> {
    const offsets = merge.commits();
    if (offsets.length === 0) return;
    try {
      await consumer.commitOffsets(offsets);
    } catch (err) {
      // Not fatal: the records come again after a restart and event_handled filters them.
      this.logger.warn({ err }, "committing offsets failed");
    }
  }

  /**
   * Pauses a partition that runs far ahead (never one holding the safe position back), resumes it
   * once drained. Only the partition just read can have grown, so only it is checked for a pause.
   */
  private flowControl(consumer: Consumer, merge: PartitionMerge, added?: TopicPartition): void {
    const safe = merge.safe();
    for (const [key, tp] of this.paused) {
      if (merge.held(tp) < MAX_HELD_PER_PARTITION / 2 || merge.holdsBack(tp, safe)) {
        consumer.resume([{ topic: tp.topic, partitions: [tp.partition] }]);
        this.paused.delete(key);
      }
    }
    if (!added) return;
    const key = `${added.topic}/${added.partition}`;
    if (!this.paused.has(key) && merge.held(added) > MAX_HELD_PER_PARTITION && !merge.holdsBack(added, safe)) {
      consumer.pause([{ topic: added.topic, partitions: [added.partition] }]);
      this.paused.set(key, added);
    }
  }

  private backoff(failures: number): number {
    return Math.min(MAX_BACKOFF_MS, this.options.retryMs * 2 ** Math.min(failures - 1, 20));
  }

  /** Sleeps without losing the group: heartbeats go on during a long backoff. */
  private async wait(ms: number, heartbeat: () => Promise<void>): Promise<void> {
    const until = performance.now() + ms;
    while (!this.stopping && performance.now() < until) {
      await sleep(Math.min(500, until - performance.now()));
      await heartbeat();
    }
  }
}

/** A stable UUID-shaped id for a record that carries no event id of its own. */
function uuidFrom(text: string): string {
  const h = createHash("sha256").update(text).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
