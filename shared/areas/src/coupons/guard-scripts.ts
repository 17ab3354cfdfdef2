import { takeTokenLua } from "@surge/platform/redis/token-bucket";

/**
 * Lua scripts of the coupon guard. KEYS are meta, users, resv of one coupon (one hash tag).
 * A reservation ledger entry (claimId → "userId|deadlineMs") is written by the same script that
 * takes the unit, so a unit taken by a process that died before appending can be found and freed.
 *
 * The claim script may also get the user's rate-limit bucket as KEYS[4] (rate and burst as ARGV[5],
 * ARGV[6]): a drop's claim then costs one Redis call, not the gate's and the guard's in a row. That
 * key is in the user's hash tag, so on Redis Cluster this call would span two slots; Surge runs one
 * Redis primary (a Cluster deployment would move the claim's bucket under the coupon's tag).
 * The bucket is spent only once the state is known to be loaded, so the NOT_LOADED retry spends nothing.
 */
export const claimScript = `${takeTokenLua}
local m = redis.call('HMGET', KEYS[1], 'quantity', 'perUserLimit', 'opensAt', 'closesAt', 'claimed', 'fence')
if not m[1] then return {'NOT_LOADED', 0, 0, ''} end
local now = tonumber(ARGV[3])
if #KEYS == 4 then
  local allowed, wait = take_token(KEYS[4], tonumber(ARGV[5]), tonumber(ARGV[6]), now)
  if allowed == 0 then return {'LIMITED', wait, 0, ''} end
end
local claimed = tonumber(m[5])
local held = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if now < tonumber(m[3]) or (m[4] ~= '' and now >= tonumber(m[4])) then return {'CLAIM_WINDOW_CLOSED', claimed, held, m[6]} end
if held >= tonumber(m[2]) then return {'ALREADY_CLAIMED', claimed, held, m[6]} end
if claimed >= tonumber(m[1]) then return {'SOLD_OUT', claimed, held, m[6]} end
redis.call('HINCRBY', KEYS[1], 'claimed', 1)
redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
redis.call('HSET', KEYS[3], ARGV[2], ARGV[1] .. '|' .. ARGV[4])
return {'OK', claimed, held, m[6]}
`;

/**
 * Idempotent by claim id: only a reservation still in the ledger gives its unit back. With no
 * state loaded it does nothing: a claim is released only when its append failed, so the store
 * a rebuild reads does not hold it (and HINCRBY must not resurrect a partial meta hash).
 */
export const releaseScript = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local r = redis.call('HGET', KEYS[3], ARGV[1])
if not r then return 0 end
redis.call('HDEL', KEYS[3], ARGV[1])
local user = string.match(r, '^(.*)|')
redis.call('HINCRBY', KEYS[1], 'claimed', -1)
redis.call('HINCRBY', KEYS[2], user, -1)
return 1
`;
