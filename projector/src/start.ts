import { sql } from "kysely";
import { createBaseApp } from "@surge/platform/http/app";
import { createDb } from "@surge/platform/db/database";
import { createLogger } from "@surge/platform/logging";
import { createMetrics } from "@surge/platform/http/metrics";
import { listen } from "@surge/platform/http/server";
import { MysqlEventStore } from "@surge/platform/eventstore/mysql-event-store";
import { preflight } from "@surge/platform/preflight";
import { readCheckpoint } from "@surge/platform/db/checkpoints";
import { Stack } from "@surge/platform/lifecycle";
import { type StoredEvent } from "@surge/platform/eventstore/types";
import { applyBatch } from "@surge/platform/projection/apply";
import { withApplyLock } from "@surge/platform/projection/apply-lock";
import type { ProjectorEnv } from "./env.js";
import { projectorMetrics } from "./metrics.js";
import { handlersFor } from "@surge/areas/projections";
import { startKafkaSource } from "./sources/kafka-wiring.js";
import { StorePoller } from "./sources/store-poller.js";
import type { Quarantine } from "@surge/platform/projection/failures";

/**
 * The composition root of the projector: embedded mode tails the MySQL event store; with
 * KAFKA_BROKERS set it consumes the relay's topics instead. One set of handlers, one apply.
 */
export async function startProjector(env: ProjectorEnv) {
  const logger = createLogger("projector", env.LOG_LEVEL, env.LOG_PRETTY ?? false);
  await preflight({ databaseUrl: env.DATABASE_URL });
  const stack = new Stack();

  const db = createDb({ url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE });
  stack.add(() => db.destroy());
  const store = new MysqlEventStore(db);
  const metrics = createMetrics("projector");
  const m = projectorMetrics(metrics, db, store);

  const handlers = handlersFor(env.BUSINESS_TZ);
  const apply = async (events: StoredEvent[], quarantine?: Quarantine) => {
    const end = m.batchSeconds.startTimer();
    // Under the apply lock: a replay --swap must never rename tables under a batch in flight.
    const result = await withApplyLock(db, (conn) => applyBatch(conn, handlers, events, undefined, quarantine));
    end();
    for (const e of result.applied) m.applied.inc({ type: e.type });
    if (result.duplicates > 0) m.duplicates.inc(result.duplicates);
  };

  const app = createBaseApp({
    title: "Surge projector",
    logger,
    metrics,
    dependencies: [{ name: "mysql", check: () => sql`SELECT 1`.execute(db) }],
  });
  const server = await listen(app.fetch, env.PROJECTOR_PORT);
  stack.add(() => server.close());

  const { KAFKA_BROKERS } = env;
  if (KAFKA_BROKERS) {
    const source = startKafkaSource({ ...env, KAFKA_BROKERS }, { db, logger, metrics: m, apply });
    stack.add(() => source.stop());
    logger.info({ url: server.url }, "projector running");
    return { url: server.url, port: server.port, logger, stop: () => stack.stop() };
  }

  const poller = new StorePoller(
    store,
    { apply, checkpoint: () => readCheckpoint(db), onError: () => m.failures.inc(), onDeadLetter: () => m.deadLettered.inc() },
    { batchSize: env.PROJECTOR_BATCH_SIZE, idleMs: env.PROJECTOR_IDLE_MS, retryMs: env.PROJECTOR_RETRY_MS, attempts: env.PROJECTOR_POISON_ATTEMPTS },
    logger,
  );
  poller.start();
  // Stopped first (the stack runs in reverse): the batch in progress commits before the pool closes.
  stack.add(() => poller.stop());

  logger.info({ url: server.url }, "projector running");
  return { url: server.url, port: server.port, logger, stop: () => stack.stop() };
}

export type Projector = Awaited<ReturnType<typeof startProjector>>;
