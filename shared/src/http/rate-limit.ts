import type { MiddlewareHandler } from "hono";
import type { Redis } from "ioredis";
import { AppError } from "../errors/index.js";
import { runScript } from "../guards/guard-kit.js";
import type { AppEnv } from "./app.js";

/**
 * Token bucket per user: `rate` tokens a second up to `burst`. KEYS[1] = bucket;
 * ARGV: rate, burst, nowMs. Answers {allowed, msUntilNextToken}.
 */
const bucketScript = `
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local rate, burst, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local tokens = tonumber(b[1]) or burst
local ts = tonumber(b[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate / 1000)
local allowed = 0
if tokens >= 1 then tokens = tokens - 1; allowed = 1 end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
if allowed == 1 then return {1, 0} end
return {0, math.ceil((1 - tokens) / rate * 1000)}
`;

export function rateLimit(redis: Redis, opts: { perSecond: number; burst: number }): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const user = c.get("user");
    // Fails open: with Redis down every guarded write answers 503 anyway, and reads of the limit must not add a second outage.
    const [allowed, waitMs] = await runScript<[number, number]>(redis, bucketScript, [`rl:{${user.id}}`], [opts.perSecond, opts.burst, Date.now()]).catch(() => [1, 0] as [number, number]);
    if (allowed !== 1) {
      throw new AppError("RATE_LIMITED", "Too many requests; slow down.", { retryAfterS: Math.max(1, Math.ceil(waitMs / 1000)) });
    }
    await next();
  };
}
