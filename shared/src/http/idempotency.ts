import { createHash } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import type { Redis } from "ioredis";

import { newId } from "../domain/ids.js";
import { AppError, unavailable } from "../errors/index.js";
import { runScript } from "../guards/guard-kit.js";
import type { AppEnv } from "./app.js";

const KEEP_MS = 24 * 3600_000;
/** A key whose first request never finished (process died) may be taken over after this. */
const ABANDONED_MS = 60_000;
const WAIT_MS = 10_000;
const REPLAYED_HEADERS = ["x-position", "location"];

/**
 * KEYS[1] = the key's record; ARGV: request hash, owner token, ms a pending record lives.
 * Answers NEW (the caller owns the key now), MISMATCH, PENDING, or DONE with the kept response.
 * A pending record simply expires, which is how an abandoned key becomes free again.
 */
const claimScript = `
local r = redis.call('HMGET', KEYS[1], 'hash', 'status', 'body', 'headers')
if not r[1] then
  redis.call('HSET', KEYS[1], 'hash', ARGV[1], 'owner', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return {'NEW'}
end
if r[1] ~= ARGV[1] then return {'MISMATCH'} end
if r[2] then return {'DONE', r[2], r[3], r[4]} end
return {'PENDING'}
`;

/** KEYS[1]; ARGV: owner, status, body, headers, ms to keep. Only the owner completes its key. */
const completeScript = `
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[2], 'body', ARGV[3], 'headers', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
`;

/** KEYS[1]; ARGV: owner. Frees a key whose request failed with 5xx, so a retry really retries. */
const releaseScript = `
if redis.call('HGET', KEYS[1], 'owner') == ARGV[1] and not redis.call('HGET', KEYS[1], 'status') then redis.call('DEL', KEYS[1]) end
return 1
`;

type ClaimReply = ["NEW" | "MISMATCH" | "PENDING"] | ["DONE", string, string, string];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const idempotencyRecordKey = (userId: string, key: string) => `idem:{${userId}}:${key}`;

/**
 * Idempotency-Key per the contract: the same user, key and body within 24 h get the first response
 * again (with Idempotency-Replayed: true) and nothing runs twice, also for concurrent repeats,
 * which wait for the first. Another body under the same key is 422. Responses of 5xx are not kept,
 * so a retry after a failure really retries.
 *
 * The record lives in Redis, which keeps it off the durable write path. Redis is not the only
 * line: every keyed command derives its ids from (user, key) and records the request hash in its
 * events, so if the record is lost (FLUSHALL, restart) the store itself refuses a second effect and
 * the handler replays the first success from it (see `replayedFrom`). Only a kept 4xx answer can
 * be lost that way; re-running a request that changed nothing is harmless.
 */
export function idempotency(redis: Redis, opts: { requiredFor: (method: string, path: string) => boolean }): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.method !== "POST") return next();
    const key = c.req.header("idempotency-key");
    if (key === undefined) {
      if (opts.requiredFor(c.req.method, c.req.path)) throw new AppError("VALIDATION_FAILED", "This route needs an Idempotency-Key header.", { errors: [{ path: "Idempotency-Key", message: "required" }] });
      return next();
    }
    if (key.length < 1 || key.length > 128) throw new AppError("VALIDATION_FAILED", "Idempotency-Key must be 1–128 characters.", { errors: [{ path: "Idempotency-Key", message: "1–128 characters" }] });
    const hash = createHash("sha256").update(`${c.req.method} ${c.req.path}\n${await c.req.text()}`).digest("hex");
    const record = idempotencyRecordKey(c.get("user").id, key);
    const owner = newId();

    const giveUpAt = Date.now() + WAIT_MS;
    for (;;) {
      const reply = await runScript<ClaimReply>(redis, claimScript, [record], [hash, owner, ABANDONED_MS]).catch((err: unknown) => {
        throw unavailable("Idempotency records are unavailable; try again.", err);
      });
      if (reply[0] === "NEW") break;
      if (reply[0] === "MISMATCH") throw new AppError("IDEMPOTENCY_KEY_REUSED", "This Idempotency-Key was used with another request.");
      if (reply[0] === "DONE") return replay(Number(reply[1]), reply[2], reply[3]);
      if (Date.now() > giveUpAt) throw new AppError("CONFLICT", "A request with this Idempotency-Key is still in progress.");
      await sleep(25);
    }

    c.set("requestHash", hash);
    try {
      await next();
    } catch (err) {
      await runScript(redis, releaseScript, [record], [owner]).catch(() => undefined);
      throw err;
    }
    if (c.res.status >= 500) {
      await runScript(redis, releaseScript, [record], [owner]).catch(() => undefined);
      return;
    }
    const headers = Object.fromEntries(REPLAYED_HEADERS.flatMap((h) => (c.res.headers.get(h) ? [[h, c.res.headers.get(h)!]] : [])));
    // The response is already decided; losing its record only costs a replay from the store later.
    await runScript(redis, completeScript, [record], [owner, c.res.status, await responseText(c.res), JSON.stringify(headers), KEEP_MS]).catch(() => undefined);
  };
}

/**
 * @hono/node-server keeps a string body on its light Response under a private symbol; reading it
 * there avoids `clone()`, which builds a full fetch Response and makes the server stream it out.
 */
async function responseText(res: Response): Promise<string> {
  const cache = Object.getOwnPropertySymbols(res).find((s) => s.description === "cache");
  const body = cache ? (res as unknown as Record<symbol, [number, unknown]>)[cache]?.[1] : undefined;
  return typeof body === "string" ? body : res.clone().text();
}

function replay(status: number, body: string, headers: string): Response {
  const kept = JSON.parse(headers) as Record<string, string>;
  const contentType = status >= 400 ? "application/problem+json" : "application/json";
  return new Response(body, { status, headers: { ...kept, "content-type": contentType, "idempotency-replayed": "true" } });
}
