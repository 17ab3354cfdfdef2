import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { inject } from "vitest";
import { createDb, dropDatabase, ensureDatabase, type Db } from "@surge/platform/db/database";
import { migrateToLatest } from "@surge/areas/migrations/index";
import { createRedis, deleteByPrefix } from "@surge/platform/redis/redis";
import { MysqlEventStore } from "@surge/platform/eventstore/mysql-event-store";
import { signToken, type Role } from "@surge/platform/http/auth";
import { testEnv } from "./env.js";
import "./provided.js";

export interface TestContext {
  databaseUrl: string;
  redisUrl: string;
  redisKeyPrefix: string;
  jwtSecret: string;
  db: Db;
  redis: Redis;
  store: MysqlEventStore;
  token: (sub: string, role?: Role, ttlSeconds?: number) => Promise<string>;
  /** Env for an app under test: its own database and Redis key space. */
  appEnv: Record<string, string>;
  close: () => Promise<void>;
}

/**
 * Each test file gets its own database and Redis key prefix, so files run in parallel without
 * seeing each other's rows or keys. Call once per file (beforeAll) and close in afterAll.
 */
export async function createTestContext(opts: { redisUrl?: string; collation?: string } = {}): Promise<TestContext> {
  const id = randomBytes(4).toString("hex");
  const server = new URL(inject("databaseUrl") ?? testEnv.databaseUrl);
  server.pathname = `/surge_t_${id}`;
  const databaseUrl = server.toString();
  const redisUrl = opts.redisUrl ?? inject("redisUrl") ?? testEnv.redisUrl;
  const redisKeyPrefix = `t${id}:`;
  await ensureDatabase(databaseUrl, opts.collation);
  const db = createDb({ url: databaseUrl, poolSize: 5 });
  await migrateToLatest(db);
  const redis = createRedis({ url: redisUrl, keyPrefix: redisKeyPrefix });
  const store = new MysqlEventStore(db);
  return {
    databaseUrl,
    redisUrl,
    redisKeyPrefix,
    jwtSecret: testEnv.jwtSecret,
    db,
    redis,
    store,
    token: (sub, role = "user", ttl = 3600) => signToken({ id: sub, role }, testEnv.jwtSecret, ttl),
    appEnv: {
      NODE_ENV: "test",
      LOG_LEVEL: testEnv.logLevel,
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: redisKeyPrefix,
      JWT_SECRET: testEnv.jwtSecret,
      // Concurrency tests send hundreds of requests per user; the rate-limit test sets its own.
      RATE_LIMIT_PER_SECOND: "100000",
      RATE_LIMIT_BURST: "100000",
    },
    close: async () => {
      await store.close();
      await deleteByPrefix(redis, redisKeyPrefix).catch(() => 0);
      redis.disconnect();
      await db.destroy();
      await dropDatabase(databaseUrl);
    },
  };
}
