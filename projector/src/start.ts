import { sql } from "kysely";
import { createBaseApp, createDb, createLogger, createMetrics, listen, MysqlEventStore, preflight, readCheckpoint, Stack, type StoredEvent } from "@surge/shared";
import { applyBatch } from "./apply.js";
import type { ProjectorEnv } from "./env.js";
import { projectorMetrics } from "./metrics.js";
import { handlers } from "./projections/index.js";
import { StorePoller } from "./sources/store-poller.js";

/** The composition root of the projector (embedded mode: it tails the MySQL event store). */
export async function startProjector(env: ProjectorEnv) {
  const logger = createLogger("projector", env.LOG_LEVEL, env.LOG_PRETTY ?? false);
  await preflight({ databaseUrl: env.DATABASE_URL });
  const stack = new Stack();

  const db = createDb({ url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE });
  stack.add(() => db.destroy());
  const store = new MysqlEventStore(db);
  const metrics = createMetrics("projector");
  const m = projectorMetrics(metrics, db, store);

  const apply = async (events: StoredEvent[]) => {
    const end = m.batchSeconds.startTimer();
    const result = await applyBatch(db, handlers, events);
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

  const poller = new StorePoller(
    store,
    { apply, checkpoint: () => readCheckpoint(db), onError: () => m.failures.inc() },
    { batchSize: env.PROJECTOR_BATCH_SIZE, idleMs: env.PROJECTOR_IDLE_MS, retryMs: env.PROJECTOR_RETRY_MS },
    logger,
  );
  poller.start();
  // Stopped first (the stack runs in reverse): the batch in progress commits before the pool closes.
  stack.add(() => poller.stop());

  logger.info({ url: server.url }, "projector running");
  return { url: server.url, port: server.port, logger, stop: () => stack.stop() };
}

export type Projector = Awaited<ReturnType<typeof startProjector>>;
