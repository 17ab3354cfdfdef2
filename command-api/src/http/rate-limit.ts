import { AppError } from "@surge/platform/errors";

/**
 * Token bucket per user: `rate` tokens a second up to `burst`. A Lua function for the command gate's
 * script: take_token(bucket key, rate, burst, nowMs) answers allowed (1/0) and ms until a token.
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

export const bucketKey = (userId: string) => `rl:{${userId}}`;

export const rateLimited = (waitMs: number) => new AppError("RATE_LIMITED", "Too many requests; slow down.", { retryAfterS: Math.max(1, Math.ceil(waitMs / 1000)) });
