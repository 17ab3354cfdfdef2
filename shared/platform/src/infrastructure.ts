import { sql } from "kysely";
import type { BaseEnv } from "./config.js";
import { DEV_JWT_SECRET } from "./config.js";
import { createDb } from "./db/database.js";
import type { Dependency } from "./http/app.js";
import { createMetrics } from "./http/metrics.js";
import { Stack } from "./lifecycle.js";
import { createLogger } from "./logging.js";
import { preflight } from "./preflight.js";
import { createRedis } from "./redis/redis.js";
import { Drain } from "./http/server.js";

/**
 * What every app's composition root opens first, in one place: its logger (warning loudly about
 * a development JWT secret), the MySQL/Redis preflight, one pool of each registered on the stop
 * stack, its metrics registry and the probes behind /ready.
 */
export async function openInfrastructure(app: string, env: BaseEnv & { JWT_SECRET?: string }) {
  const logger = createLogger(app, env.LOG_LEVEL, env.LOG_PRETTY ?? false);
  if (env.JWT_SECRET === DEV_JWT_SECRET && env.NODE_ENV !== "test") {
    logger.warn("JWT_SECRET is the development default: anyone can mint tokens. Set JWT_SECRET outside development.");
  }
  await preflight({ databaseUrl: env.DATABASE_URL, redisUrl: env.REDIS_URL });
  const stack = new Stack();
  const db = createDb({ url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE });
  stack.add(() => db.destroy());
  const redis = createRedis({ url: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX });
  stack.add(async () => void (await redis.quit().catch(() => redis.disconnect())));
  const metrics = createMetrics(app);
  const drain = new Drain();
  const dependencies: Dependency[] = [
    { name: "mysql", check: () => sql`SELECT 1`.execute(db) },
    { name: "redis", check: () => redis.ping() },
    drain.dependency,
  ];
  return { logger, stack, db, redis, metrics, dependencies, drain };
}
