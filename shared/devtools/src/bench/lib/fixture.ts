import { randomBytes } from "node:crypto";
import { createRedis, deleteByPrefix } from "@surge/platform/redis/redis";
import { dropDatabase, type Db } from "@surge/platform/db/database";
import type { Cleanup } from "./cleanup.js";
import { freshDatabase } from "./database.js";
import type { BenchEnv } from "./env.js";

export const BENCH_DATABASE = "surge_bench";

/** What one bench run owns: its database, its Redis key prefix and the secret its tokens use. */
export interface Fixture {
  env: BenchEnv;
  databaseUrl: string;
  db: Db;
  redisUrl: string;
  redisKeyPrefix: string;
  jwtSecret: string;
}

export async function createFixture(env: BenchEnv, cleanup: Cleanup): Promise<Fixture> {
  const id = randomBytes(4).toString("hex");
  // A name of its own per run: two benches at once must never drop each other's database.
  const url = new URL(env.databaseUrl);
  url.pathname = `/${BENCH_DATABASE}_${id}`;
  const databaseUrl = url.toString();
  const redisKeyPrefix = `bench${id}:`;

  // Registered before the database exists, so a failed migration still drops what it left.
  cleanup.add(async () => {
    const redis = createRedis({ url: env.redisUrl });
    try {
      await deleteByPrefix(redis, redisKeyPrefix);
    } finally {
      redis.disconnect();
    }
  });
  cleanup.add(() => dropDatabase(databaseUrl));
  const db = await freshDatabase(databaseUrl);
  cleanup.add(() => db.destroy());

  return { env, databaseUrl, db, redisUrl: env.redisUrl, redisKeyPrefix, jwtSecret: randomBytes(24).toString("hex") };
}
