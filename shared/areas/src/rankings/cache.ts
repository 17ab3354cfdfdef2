import type { Redis } from "ioredis";

export interface RankingCacheOptions {
  /** How long Redis keeps a list: short, it only has to outlive a burst of identical requests. */
  redisTtlMs: number;
  /** How long this process answers from memory before asking Redis again. */
  localTtlMs: number;
  /** Lists kept in memory at most (oldest out first). */
  maxLocal: number;
}

const defaults: RankingCacheOptions = { redisTtlMs: 5000, localTtlMs: 1000, maxLocal: 512 };

/**
 * Read-through cache of ranking lists: process memory, then Redis (shared by every query-api
 * process), then the loader. Keys carry the projector checkpoint, so as soon as the projection
 * moves, requests ask for a new key and never see a list older than their X-Projection-Position;
 * the TTLs only bound memory and the staleness of a batch repair (which moves no checkpoint).
 * Concurrent misses of one key share one load. Redis is an economy here: when it fails, the list
 * comes from the database and the request still succeeds.
 */
export class RankingCache<T> {
  private readonly local = new Map<string, { value: T; until: number }>();
  private readonly loading = new Map<string, Promise<T>>();
  private readonly options: RankingCacheOptions;

  constructor(
    private readonly redis: Redis | null,
    options: Partial<RankingCacheOptions> = {},
  ) {
    this.options = { ...defaults, ...options };
  }

  get(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.local.get(key);
    if (hit && hit.until > performance.now()) return Promise.resolve(hit.value);
    let pending = this.loading.get(key);
    if (!pending) {
      pending = this.fill(key, load).finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    return pending;
  }

  private async fill(key: string, load: () => Promise<T>): Promise<T> {
    const cached = await this.redis?.get(key).catch(() => null);
    let value: T;
    if (cached) {
      value = JSON.parse(cached) as T;
    } else {
      value = await load();
      void this.redis?.set(key, JSON.stringify(value), "PX", this.options.redisTtlMs).catch(() => undefined);
    }
    this.local.delete(key);
    this.local.set(key, { value, until: performance.now() + this.options.localTtlMs });
    if (this.local.size > this.options.maxLocal) this.local.delete(this.local.keys().next().value!);
    return value;
  }
}
