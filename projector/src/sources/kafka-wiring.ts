import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { createKafka } from "@surge/platform/kafka/client";
import { Lease } from "@surge/platform/db/lease";
import { MysqlEventStore } from "@surge/platform/eventstore/mysql-event-store";
import { readCheckpoint } from "@surge/platform/db/checkpoints";
import { type Db } from "@surge/platform/db/database";
import { type Logger } from "pino";
import { type StoredEvent } from "@surge/platform/eventstore/types";
import { advanceCheckpoint } from "@surge/platform/projection/apply";
import { withApplyLock } from "@surge/platform/projection/apply-lock";
import type { ProjectorEnv } from "../env.js";
import { recordUndecodable, type Quarantine } from "@surge/platform/projection/failures";
import type { ProjectorMetrics } from "../metrics.js";
import { KafkaSource } from "./kafka-consumer.js";

export interface KafkaModeDeps {
  db: Db;
  logger: Logger;
  metrics: ProjectorMetrics;
  /** The projector's apply (one transaction, under the apply lock), with the batch's poison events. */
  apply: (events: StoredEvent[], quarantine: Quarantine) => Promise<void>;
}

/** The Kafka source with its lease, as the composition root starts it when KAFKA_BROKERS is set. */
export function startKafkaSource(env: ProjectorEnv & { KAFKA_BROKERS: string[] }, { db, logger, metrics, apply }: KafkaModeDeps) {
  const kafka = createKafka({ brokers: env.KAFKA_BROKERS, clientId: `${env.KAFKA_CLIENT_ID}-projector`, logger });
  const owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const store = new MysqlEventStore(db);
  const lease = new Lease(db, "projector", owner, env.PROJECTOR_LEASE_TTL_MS, (err) => logger.warn({ err }, "projector lease renewal failed"));
  const source = new KafkaSource(
    kafka,
    lease,
    {
      apply,
      advance: (position) => withApplyLock(db, (conn) => advanceCheckpoint(conn, position)),
      checkpoint: () => readCheckpoint(db),
      readStore: (after, limit) => store.readAll(after, limit),
      recordUndecodable: (id, info, raw) => recordUndecodable(db, id, info, raw),
      onError: () => metrics.failures.inc(),
      onDeadLetter: () => metrics.deadLettered.inc(),
      onSafePosition: (position) => metrics.safePosition.set(position),
      onRefilled: (events) => metrics.refilled.inc(events),
      onHeld: (records) => metrics.held.set(records),
    },
    {
      groupId: env.PROJECTOR_KAFKA_GROUP,
      sessionTimeoutMs: env.KAFKA_SESSION_TIMEOUT_MS,
      batchSize: env.PROJECTOR_BATCH_SIZE,
      retryMs: env.PROJECTOR_RETRY_MS,
      attempts: env.PROJECTOR_POISON_ATTEMPTS,
    },
    logger,
  );
  lease.start();
  source.start();
  logger.info({ brokers: env.KAFKA_BROKERS, group: env.PROJECTOR_KAFKA_GROUP, owner }, "projecting from Kafka");
  return {
    // The lease is freed after the last batch, so a standby takes over at once.
    stop: async () => {
      await source.stop();
      await lease.stop();
    },
  };
}
