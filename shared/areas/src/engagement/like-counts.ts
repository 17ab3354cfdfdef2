import type { Redis } from "ioredis";
import type { EventStore } from "@surge/platform/eventstore/types";
import { parseEvent } from "@surge/platform/events/event-type";
import { runScript } from "@surge/platform/redis/guard-kit";
import { likeEventTypes, likesTag } from "./events.js";

/**
 * Merges one user's like state into a product's hash (field userId → "version:liked", `#n` the
 * count of likers) if it is newer than what the hash has. Merging by the like stream's version
 * makes the hash independent of the order updates arrive in, and lets a rebuild and live updates
 * (and two rebuilds) overlap: every one of them converges on the newest state per user.
 */
const mergeLua = `
local function merge(key, user, version, liked)
  local cur = redis.call('HGET', key, user)
  local v, l = 0, 0
  if cur then
    local a, b = string.match(cur, '^(%d+):(%d)$')
    v, l = tonumber(a), tonumber(b)
  end
  if version <= v then return end
  redis.call('HSET', key, user, version .. ':' .. liked)
  if liked ~= l then redis.call('HINCRBY', key, '#n', liked == 1 and 1 or -1) end
end
`;

/** KEYS[1]: the product's hash. ARGV: userId, version, liked (1|0). Answers the count, or -1 while the hash is not loaded. */
const applyScript = `${mergeLua}
if redis.call('HEXISTS', KEYS[1], '#loaded') == 0 then return -1 end
merge(KEYS[1], ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]))
return tonumber(redis.call('HGET', KEYS[1], '#n') or '0')
`;

/** KEYS[1]: the product's hash. ARGV: last ("1": mark it loaded), then triples userId, version, liked. */
const loadScript = `${mergeLua}
for i = 2, #ARGV, 3 do merge(KEYS[1], ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])) end
if ARGV[1] == '1' then redis.call('HSET', KEYS[1], '#loaded', '1') end
return 1
`;

const LOAD_CHUNK = 500;

/**
 * How many users like each product now, for the like commands' answer. The event store is the
 * truth (a stream per user and product); this is a Redis index of it, rebuilt from the store's
 * `likes:<productId>` tag whenever it is missing (first use, FLUSHALL, eviction). The read
 * models count the same events on their own.
 */
export class LikeCounts {
  private readonly loading = new Map<string, Promise<void>>();

  constructor(
    private readonly redis: Redis,
    private readonly store: EventStore,
  ) {}

  /** Records that `userId` likes (or not) the product as of like-stream `version`; answers the product's likes. */
  async apply(productId: string, userId: string, version: number, liked: boolean): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      const count = await runScript<number>(this.redis, applyScript, [keyOf(productId)], [userId, version, liked ? 1 : 0]);
      if (count >= 0) return count;
      if (attempt >= 3) throw new Error(`likes of ${productId} could not be loaded`);
      await this.load(productId);
    }
  }

  private load(productId: string): Promise<void> {
    let pending = this.loading.get(productId);
    if (!pending) {
      pending = this.rebuild(productId).finally(() => this.loading.delete(productId));
      this.loading.set(productId, pending);
    }
    return pending;
  }

  private async rebuild(productId: string): Promise<void> {
    const latest = new Map<string, { version: number; liked: boolean }>();
    for (const raw of await this.store.readByTag(likesTag(productId))) {
      const e = parseEvent(likeEventTypes, raw);
      if (e) latest.set(e.data.userId, { version: raw.version, liked: e.type === "ProductLiked" });
    }
    const triples = [...latest].flatMap(([user, s]) => [user, s.version, s.liked ? 1 : 0]);
    for (let i = 0; ; i += LOAD_CHUNK * 3) {
      const chunk = triples.slice(i, i + LOAD_CHUNK * 3);
      const last = i + LOAD_CHUNK * 3 >= triples.length;
      await runScript(this.redis, loadScript, [keyOf(productId)], [last ? "1" : "0", ...chunk]);
      if (last) return;
    }
  }
}

const keyOf = (productId: string) => `likes:{${productId}}`;
