import { sql } from "kysely";
import { createDb, createLogger, createMetrics, createRedis, DEV_JWT_SECRET, listen, preflight, Stack } from "@surge/shared";
import { createQueryApp } from "./app.js";
import type { QueryApiEnv } from "./env.js";
import { LiveHub } from "./events/live-hub.js";
import { readLiveState } from "./events/live-state.js";
import { ProjectionPosition } from "./projection-position.js";

/** The composition root of query-api: builds every dependency once and knows how to stop them. */
export async function startQueryApi(env: QueryApiEnv) {
  const logger = createLogger("query-api", env.LOG_LEVEL, env.LOG_PRETTY ?? false);
  if (env.JWT_SECRET === DEV_JWT_SECRET && env.NODE_ENV !== "test") {
    logger.warn("JWT_SECRET is the development default: anyone can mint tokens. Set JWT_SECRET outside development.");
  }
  await preflight({ databaseUrl: env.DATABASE_URL, redisUrl: env.REDIS_URL });
  const stack = new Stack();

  const db = createDb({ url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE });
  stack.add(() => db.destroy());
  // The contract's /ready names Redis for both services, so query-api holds a connection to probe it.
  const redis = createRedis({ url: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX });
  stack.add(async () => void (await redis.quit().catch(() => redis.disconnect())));

  const metrics = createMetrics("query-api");
  const live = new LiveHub((eventId) => readLiveState(db, eventId), env.LIVE_POLL_MS, logger, metrics);

  const app = createQueryApp({
    db,
    position: new ProjectionPosition(db, env.CHECKPOINT_POLL_MS),
    minPositionWaitMs: env.MIN_POSITION_WAIT_MS,
    jwtSecret: env.JWT_SECRET,
    live,
    liveHeartbeatMs: env.LIVE_HEARTBEAT_MS,
    logger,
    metrics,
    dependencies: [
      { name: "mysql", check: () => sql`SELECT 1`.execute(db) },
      { name: "redis", check: () => redis.ping() },
    ],
    redis,
    businessTz: env.BUSINESS_TZ,
  });

  const server = await listen(app.fetch, env.QUERY_API_PORT);
  stack.add(() => server.close());
  // Stopped before the server closes (the stack runs in reverse): open live streams end first.
  stack.add(async () => live.stop());
  logger.info({ url: server.url }, "query-api listening");
  return { url: server.url, port: server.port, logger, stop: () => stack.stop() };
}

export type QueryApi = Awaited<ReturnType<typeof startQueryApi>>;
