import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { sql } from "kysely";
import { createBaseApp } from "@surge/platform/http/app";
import { createDb } from "@surge/platform/db/database";
import { createKafka } from "@surge/platform/kafka/client";
import { createLogger } from "@surge/platform/logging";
import { createMetrics } from "@surge/platform/http/metrics";
import { Lease } from "@surge/platform/db/lease";
import { listen } from "@surge/platform/http/server";
import { MysqlEventStore } from "@surge/platform/eventstore/mysql-event-store";
import { preflight } from "@surge/platform/preflight";
import { Stack } from "@surge/platform/lifecycle";
import type { RelayEnv } from "./env.js";
import { relayMetrics } from "@surge/platform/kafka/relay-metrics";
import { KafkaPublisher, type EventPublisher } from "@surge/platform/kafka/publisher";
import { Relay, type RelayHooks } from "@surge/platform/kafka/relay";

export interface RelayOverrides {
  hooks?: RelayHooks;
  /** Replaces Kafka (tests). */
  publisher?: EventPublisher;
}

/** The composition root of the relay: store → Kafka, one active instance at a time. */
export async function startRelay(env: RelayEnv, overrides: RelayOverrides = {}) {
  const logger = createLogger("relay", env.LOG_LEVEL, env.LOG_PRETTY ?? false);
  await preflight({ databaseUrl: env.DATABASE_URL });
  const stack = new Stack();

  const db = createDb({ url: env.DATABASE_URL, poolSize: Math.min(env.DATABASE_POOL_SIZE, 4) });
  stack.add(() => db.destroy());
  const store = new MysqlEventStore(db);

  const owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const lease = new Lease(db, "relay", owner, env.RELAY_LEASE_TTL_MS, (err) => logger.warn({ err }, "relay lease renewal failed"));
  const metrics = createMetrics("relay");
  const m = relayMetrics(metrics, db, store, lease);

  const publisher =
    overrides.publisher ??
    new KafkaPublisher(
      createKafka({ brokers: env.KAFKA_BROKERS, clientId: `${env.KAFKA_CLIENT_ID}-relay`, logger }),
      { idempotent: env.KAFKA_IDEMPOTENT, partitions: env.KAFKA_PARTITIONS },
      logger,
    );
  stack.add(() => publisher.close());

  const app = createBaseApp({ title: "Surge relay", logger, metrics, dependencies: [{ name: "mysql", check: () => sql`SELECT 1`.execute(db) }] });
  const server = await listen(app.fetch, env.RELAY_PORT);
  stack.add(() => server.close());

  const relay = new Relay(
    store,
    db,
    publisher,
    lease,
    { batchSize: env.RELAY_BATCH_SIZE, idleMs: env.RELAY_IDLE_MS, backoffMinMs: env.RELAY_BACKOFF_MIN_MS, backoffMaxMs: env.RELAY_BACKOFF_MAX_MS },
    logger,
    {
      ...overrides.hooks,
      onPublished: (events, seconds) => {
        m.published.inc(events.length);
        m.batchSeconds.observe(seconds);
        overrides.hooks?.onPublished?.(events, seconds);
      },
      onError: (err, retryInMs) => {
        m.failures.inc();
        overrides.hooks?.onError?.(err, retryInMs);
      },
    },
  );
  lease.start();
  // Stop order (reverse): the lease is freed only after the last batch, so a standby takes over at once.
  stack.add(() => lease.stop());
  relay.start();
  stack.add(() => relay.stop());

  logger.info({ url: server.url, brokers: env.KAFKA_BROKERS, owner }, "relay running");
  return { url: server.url, port: server.port, logger, lease, stop: () => stack.stop() };
}

export type RunningRelay = Awaited<ReturnType<typeof startRelay>>;
