import type { Redis } from "ioredis";
import { runScript } from "./guard-kit.js";

/**
 * Token bucket: `rate` tokens a second up to `burst`, kept in one Redis hash. A Lua function, so a
 * caller can spend a token in the same script as its other work (command-api's gate also claims
 * the Idempotency-Key there): take_token(bucket key, rate, burst, nowMs) answers allowed (1/0)
 * and ms until the next token.
 */
export const takeTokenLua = `
local function take_token(key, rate, burst, now)
  local b = redis.call('HMGET', key, 'tokens', 'ts')
  local tokens = tonumber(b[1]) or burst
  local ts = tonumber(b[2]) or now
  tokens = math.min(burst, tokens + math.max(0, now - ts) * rate / 1000)
  local allowed = 0
  if tokens >= 1 then tokens = tokens - 1; allowed = 1 end
  redis.call('HSET', key, 'tokens', tostring(tokens), 'ts', tostring(now))
  redis.call('PEXPIRE', key, math.ceil(burst / rate * 1000) + 1000)
  if allowed == 1 then return 1, 0 end
  return 0, math.ceil((1 - tokens) / rate * 1000)
end
`;

/** KEYS[1]: the bucket; ARGV: rate, burst, nowMs. Answers {allowed, ms until a token}. */
const takeTokenScript = `${takeTokenLua}
local allowed, wait = take_token(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]))
return {allowed, wait}
`;

export interface BucketLimit {
  perSecond: number;
  burst: number;
}

/** A token still to be spent, by a script that does the command's other Redis work in the same call. */
export interface PendingToken extends BucketLimit {
  key: string;
}

/** Spends a token of `key`'s bucket: 0 when one was there, else the ms until there is one. */
export async function takeToken(redis: Redis, key: string, limit: BucketLimit): Promise<number> {
  const [allowed, waitMs] = await runScript<[number, number]>(redis, takeTokenScript, [key], [limit.perSecond, limit.burst, Date.now()]);
  return allowed === 1 ? 0 : Math.max(1, waitMs);
}
