/**
 * Lua scripts of the sale (stock) guard. KEYS are always, for one sale event (one hash tag):
 * 1 meta (status, fence), 2 stock (deal → remaining), 3 limit (deal → per-user limit),
 * 4 bought (deal|user → live quantity), 5 orders (orderId → "user|deadline|deal:qty,…|state"),
 * 6 goods (orderId → 1 for each order holding a goods unit; meta.goodsQuantity is the pool),
 * 7 pending (sorted set orderId → deadlineMs of the reservations still in state R).
 * Ledger state R = reserved, no event known yet; C = its OrderPlaced is in the store; X = released.
 * The ledger keeps every order of the sale that reached the store (a release must find it); the
 * sweeper reads only `pending`, so its cost follows the reservations in flight, not the orders taken.
 * Every script answers NOT_LOADED when meta is missing, so callers rebuild instead of guessing.
 */
const header = `
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return {'NOT_LOADED'} end
`;

const parseLines = `
local function lines_of(s)
  local out = {}
  for deal, qty in string.gmatch(s, '([^:,]+):(%d+)') do out[#out + 1] = {deal, tonumber(qty)} end
  return out
end
`;

/**
 * ARGV: userId, orderId, deadlineMs, n, then n pairs dealId, qty. All lines or none. An order id
 * the ledger knows is DUPLICATE whatever the sale's state, as decideOrder's CONFLICT comes first:
 * placeOrder then answers a repeat with its first response, also after the sale closed.
 */
export const reserveScript = `${header}
if redis.call('HEXISTS', KEYS[5], ARGV[2]) == 1 then return {'DUPLICATE'} end
if status ~= 'OPEN' then return {'EVENT_NOT_OPEN'} end
local n = tonumber(ARGV[4])
local parts = {}
for i = 0, n - 1 do
  local deal, q = ARGV[5 + 2 * i], tonumber(ARGV[6 + 2 * i])
  local stock = redis.call('HGET', KEYS[2], deal)
  if not stock then return {'UNKNOWN_DEAL', deal} end
  local limit = tonumber(redis.call('HGET', KEYS[3], deal))
  local bought = tonumber(redis.call('HGET', KEYS[4], deal .. '|' .. ARGV[1]) or '0')
  if bought + q > limit then return {'PURCHASE_LIMIT_EXCEEDED', deal, limit - bought} end
  if tonumber(stock) < q then return {'SOLD_OUT', deal, stock} end
  parts[#parts + 1] = deal .. ':' .. q
end
for i = 0, n - 1 do
  local deal, q = ARGV[5 + 2 * i], tonumber(ARGV[6 + 2 * i])
  redis.call('HINCRBY', KEYS[2], deal, -q)
  redis.call('HINCRBY', KEYS[4], deal .. '|' .. ARGV[1], q)
end
redis.call('HSET', KEYS[5], ARGV[2], ARGV[1] .. '|' .. ARGV[3] .. '|' .. table.concat(parts, ',') .. '|R')
redis.call('ZADD', KEYS[7], ARGV[3], ARGV[2])
return {'OK', redis.call('HGET', KEYS[1], 'fence')}
`;

/** ARGV: orderIds. Marks their reservations as backed by their events. */
export const confirmScript = `${header}
local n = 0
for _, id in ipairs(ARGV) do
  redis.call('ZREM', KEYS[7], id)
  local e = redis.call('HGET', KEYS[5], id)
  if e and string.sub(e, -1) == 'R' then
    redis.call('HSET', KEYS[5], id, string.sub(e, 1, -2) .. 'C')
    n = n + 1
  end
end
if n == 0 then return {'NOOP'} end
return {'OK', n}
`;

/**
 * ARGV: orderId. Gives the order's units back exactly once, whatever its ledger state. A
 * reservation never confirmed (R) is released when its append failed or the sweeper found no
 * event: that request changed nothing, so its id leaves the ledger and a retry with the same
 * Idempotency-Key (the same order id) is a new reservation rather than a DUPLICATE. An order
 * confirmed in the store (C) stays, as released (X), so a repeat of it is still DUPLICATE.
 */
export const releaseScript = `${header}${parseLines}
redis.call('ZREM', KEYS[7], ARGV[1])
local e = redis.call('HGET', KEYS[5], ARGV[1])
if not e or string.sub(e, -1) == 'X' then return {'NOOP'} end
local user, _, lines = string.match(e, '^(.-)|(%d+)|(.*)|%a$')
for _, l in ipairs(lines_of(lines)) do
  redis.call('HINCRBY', KEYS[2], l[1], l[2])
  redis.call('HINCRBY', KEYS[4], l[1] .. '|' .. user, -l[2])
end
if string.sub(e, -1) == 'R' then
  redis.call('HDEL', KEYS[5], ARGV[1])
else
  redis.call('HSET', KEYS[5], ARGV[1], string.sub(e, 1, -2) .. 'X')
end
return {'OK'}
`;

/** Answers OK once the state is loaded, so a reader can rebuild before it looks. */
export const loadedScript = `${header}
return {'OK'}
`;

/**
 * ARGV: status, the sale stream's version it was read at. A status read at an older version than
 * the one the guard holds is STALE and changes nothing: two writers (an admin's close, the
 * scheduler's open) may land in either order, and the later transition must win.
 */
export const setStatusScript = `${header}
local known = tonumber(redis.call('HGET', KEYS[1], 'statusVersion') or '0')
if tonumber(ARGV[2]) < known then return {'STALE'} end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'statusVersion', ARGV[2])
return {'OK'}
`;

/** ARGV: orderId. Gives a goods unit to the order if any is left; idempotent by order id. */
export const allocateGoodsScript = `${header}
if redis.call('HEXISTS', KEYS[6], ARGV[1]) == 1 then return {'OK'} end
if redis.call('HLEN', KEYS[6]) >= tonumber(redis.call('HGET', KEYS[1], 'goodsQuantity') or '0') then return {'NONE_LEFT'} end
redis.call('HSET', KEYS[6], ARGV[1], '1')
return {'OK'}
`;

/** ARGV: orderId. Returns the order's goods unit to the pool; idempotent. */
export const releaseGoodsScript = `${header}
redis.call('HDEL', KEYS[6], ARGV[1])
return {'OK'}
`;

/** The status and every deal's remaining units, read together: {'OK', status, deal, remaining, …}. */
export const snapshotScript = `${header}
return {'OK', status, unpack(redis.call('HGETALL', KEYS[2]))}
`;
