import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { runScript } from "./guard-kit.js";

/** Deletes the lock only while it still holds our token: an expired lock taken over by another process stays theirs. */
const releaseScript = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export type LockOutcome<T> = { acquired: true; value: T } | { acquired: false };

/**
 * Short Redis locks that keep two batch processes from doing the same work at once. They are an
 * economy, not the safety net: every job is idempotent on its own (optimistic concurrency in the
 * store, release by order id), so a lock lost to expiry or FLUSHALL costs duplicate work only.
 */
export class RedisLocks {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = "batch:lock:",
  ) {}

  async run<T>(name: string, ttlMs: number, fn: () => Promise<T>): Promise<LockOutcome<T>> {
    const key = this.prefix + name;
    const token = randomUUID();
    if ((await this.redis.set(key, token, "PX", ttlMs, "NX")) !== "OK") return { acquired: false };
    try {
      return { acquired: true, value: await fn() };
    } finally {
      // A failed release only delays the next holder until the TTL passes.
      await runScript(this.redis, releaseScript, [key], [token]).catch(() => 0);
    }
  }
}
