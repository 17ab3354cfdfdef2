import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import type { EventStore } from "../eventstore/types.js";
import { newId } from "../ids.js";
import { notFound, unavailable } from "../errors.js";

const unlockScript = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export type RebuildOutcome = "loaded" | "busy" | "absent";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `fn` under a short Redis lock (same hash tag as the guarded keys); "busy" when another
 * process holds it. The lock only keeps rebuilders apart; correctness comes from the store fence.
 */
export async function withRebuildLock(redis: Redis, lockKey: string, fn: () => Promise<RebuildOutcome>): Promise<RebuildOutcome> {
  const token = newId();
  if ((await redis.set(lockKey, token, "PX", 30_000, "NX")) !== "OK") return "busy";
  try {
    return await fn();
  } finally {
    await runScript(redis, unlockScript, [lockKey], [token]).catch(() => 0);
  }
}

/**
 * Calls a guard script; when it answers NOT_LOADED, rebuilds (or waits for the rebuild another
 * request is doing) and calls again. A guard never proceeds on a state it does not have.
 */
export async function whenLoaded<T extends unknown[]>(call: () => Promise<T>, rebuild: () => Promise<RebuildOutcome>, what: string, waitMs = 5000): Promise<T> {
  const giveUpAt = Date.now() + waitMs;
  for (;;) {
    const reply = await call();
    if (reply[0] !== "NOT_LOADED") return reply;
    const outcome = await rebuild();
    if (outcome === "absent") throw notFound(what);
    if (outcome === "busy") {
      if (Date.now() > giveUpAt) throw unavailable(`The ${what} guard is being rebuilt; try again.`);
      await sleep(20);
    }
  }
}

async function hsetChunked(redis: Redis, key: string, entries: Array<[string, string | number]>): Promise<void> {
  for (let i = 0; i < entries.length; i += 1000) {
    await redis.hset(key, Object.fromEntries(entries.slice(i, i + 1000)));
  }
}

/**
 * Makes a rebuilt state visible in one step. KEYS = meta, the n final keys, their n staged copies;
 * ARGV = the n expected sizes, then meta field/value pairs. Answers 0 when a state is already
 * published (a concurrent rebuilder won: FLUSHALL can delete the lock that kept us apart) and -1
 * when a staged hash is not complete (FLUSHALL between staging and publishing), so nothing partial
 * ever becomes the guard's state.
 */
const publishScript = `
local n = (#KEYS - 1) / 2
local function drop_staged() for i = n + 2, #KEYS do redis.call('DEL', KEYS[i]) end end
if redis.call('EXISTS', KEYS[1]) == 1 then drop_staged() return 0 end
for i = 1, n do
  if redis.call('HLEN', KEYS[n + 1 + i]) ~= tonumber(ARGV[i]) then drop_staged() return -1 end
end
for i = 2, n + 1 do
  local staged = KEYS[i + n]
  if redis.call('EXISTS', staged) == 1 then redis.call('RENAME', staged, KEYS[i]) else redis.call('DEL', KEYS[i]) end
end
redis.call('HSET', KEYS[1], unpack(ARGV, n + 1))
return 1
`;

export type PublishOutcome = "published" | "already" | "torn";

/**
 * Publishes a guard state rebuilt from the store: each hash is staged under a key of this
 * rebuild's own (same hash tag) and renamed into place atomically with the meta hash.
 */
export async function publishState(
  redis: Redis,
  meta: string,
  fields: Record<string, string | number>,
  hashes: Array<[key: string, entries: Array<[string, string | number]>]>,
): Promise<PublishOutcome> {
  const stage = newId();
  const staged = hashes.map(([key]) => `${key}:staged:${stage}`);
  for (const [i, [, entries]] of hashes.entries()) await hsetChunked(redis, staged[i]!, entries);
  const sizes = hashes.map(([, entries]) => new Set(entries.map(([k]) => k)).size);
  const args = [...sizes, ...Object.entries(fields).flat()];
  const r = await runScript<number>(redis, publishScript, [meta, ...hashes.map(([k]) => k), ...staged], args);
  return r === 1 ? "published" : r === 0 ? "already" : "torn";
}

/**
 * An append failed its fence: the published state carries a token the store no longer honours
 * (a concurrent rebuild rotated it again). Drop that state, only if it is still the stale one,
 * so the next request rebuilds instead of failing forever.
 */
const invalidateScript = `if redis.call('HGET', KEYS[1], 'fence') == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
export async function invalidateStale(redis: Redis, meta: string, fence: string): Promise<void> {
  await runScript(redis, invalidateScript, [meta], [fence]);
}

export interface Settled {
  confirmed: number;
  released: number;
}

/**
 * Reservations past their deadline: those whose event is in the store are confirmed, the rest go
 * back. The store check waits out appends in flight, and appends are refused after their own
 * (shorter) deadline, so a released unit can never be committed later.
 */
export async function settleOverdue(
  store: Pick<EventStore, "committedEventIds">,
  ids: string[],
  confirmAll: (ids: string[]) => Promise<void>,
  release: (id: string) => Promise<boolean>,
): Promise<Settled> {
  const committed = await store.committedEventIds(ids);
  if (committed.size > 0) await confirmAll([...committed]);
  let released = 0;
  for (const id of ids) {
    if (!committed.has(id) && (await release(id))) released++;
  }
  return { confirmed: committed.size, released };
}

const shas = new Map<string, string>();

/**
 * EVALSHA with the script's SHA-1, falling back to EVAL when the server lost its script cache
 * (restart, SCRIPT FLUSH): the hot path sends 40 bytes instead of the whole script.
 */
export async function runScript<T>(redis: Redis, script: string, keys: readonly string[], args: Array<string | number>): Promise<T> {
  let sha = shas.get(script);
  if (!sha) {
    sha = createHash("sha1").update(script).digest("hex");
    shas.set(script, sha);
  }
  try {
    return (await redis.evalsha(sha, keys.length, ...keys, ...args)) as T;
  } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith("NOSCRIPT")) throw err;
    return (await redis.eval(script, keys.length, ...keys, ...args)) as T;
  }
}
