import { Redis } from "ioredis";

export interface RedisOptions {
  url: string;
  keyPrefix?: string;
}

export function createRedis({ url, keyPrefix = "" }: RedisOptions): Redis {
  return new Redis(url, {
    keyPrefix,
    // Fail fast so a request answers 503 instead of hanging while Redis is away.
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    connectTimeout: 2000,
    lazyConnect: false,
    // At the spike hundreds of guard scripts are issued per tick; one write per tick instead of one each.
    enableAutoPipelining: true,
  });
}

/** Deletes every key under a prefix (test clean-up and guard resets), without FLUSHALL's reach. */
export async function deleteByPrefix(redis: Redis, prefix: string): Promise<number> {
  let cursor = "0";
  let n = 0;
  // keyPrefix is not applied to SCAN's MATCH, and the keys SCAN returns carry it already.
  const plain = new Redis(redis.options.port ?? 6379, redis.options.host ?? "127.0.0.1", { db: redis.options.db ?? 0 });
  try {
    do {
      const [next, keys] = await plain.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) n += await plain.del(...keys);
    } while (cursor !== "0");
  } finally {
    plain.disconnect();
  }
  return n;
}
