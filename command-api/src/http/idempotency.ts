import { createHmac } from "node:crypto";
import type { Context } from "hono";
import type { Redis } from "ioredis";

import { newId } from "@surge/platform/ids";
import { AppError } from "@surge/platform/errors";
import { runScript } from "@surge/platform/redis/guard-kit";
import type { AppEnv } from "@surge/platform/http/app";
import { requestHeader, sentHeader } from "@surge/platform/http/node-headers";
import { renderedText } from "@surge/platform/http/response-text";

/** How long a kept 2xx answer lives (the contract's 24 h); 4xx answers live as the gate is told. */
const KEEP_MS = 24 * 3600_000;
/** A key whose first request never finished (process died) may be taken over after this. */
const ABANDONED_MS = 60_000;
const WAIT_MS = 10_000;
const REPLAYED_HEADERS = ["x-position", "location"];

/**
 * A Lua function for the command gate's script: claim_key(record key, request hash, owner, ms a
 * pending record lives) answers NEW (the caller owns the key now), MISMATCH, PENDING, or DONE with
 * the kept response. A pending record simply expires, which is how an abandoned key becomes free.
 */
export const claimKeyLua = `
local function claim_key(key, hash, owner, pending_ms)
  local r = redis.call('HMGET', key, 'hash', 'status', 'body', 'headers')
  if not r[1] then
    redis.call('HSET', key, 'hash', hash, 'owner', owner)
    redis.call('PEXPIRE', key, pending_ms)
    return {'NEW'}
  end
  if r[1] ~= hash then return {'MISMATCH'} end
  if r[2] then return {'DONE', r[2], r[3], r[4]} end
  return {'PENDING'}
end
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

export type ClaimReply = ["NEW" | "MISMATCH" | "PENDING"] | ["DONE", string, string, string];

export const idempotencyRecordKey = (userId: string, key: string) => `idem:{${userId}}:${key}`;

/**
 * Idempotency-Key per the contract: the same user, key and body within 24 h get the first response
 * again (with Idempotency-Replayed: true) and nothing runs twice, also for concurrent repeats,
 * which wait for the first (up to WAIT_MS). Another body under the same key is 422. Responses of
 * 5xx are not kept, so a retry after a failure really retries. A 4xx is kept only briefly: it
 * changed nothing, so a late repeat may run again, and a user sending bad requests under fresh
 * keys cannot fill Redis with a day's worth of records.
 *
 * The record lives in Redis, which keeps it off the durable write path. Redis is not the only
 * line: every keyed command derives its ids from (user, key) and records the request hash in its
 * events, so if the record is lost (FLUSHALL, restart) the store itself refuses a second effect and
 * the handler replays the first success from it (see `replayOf`). Only a kept 4xx answer can be
 * lost that way; re-running a request that changed nothing is harmless.
 */
export class KeyedRequest {
  readonly owner = newId();
  readonly giveUpAt = Date.now() + WAIT_MS;

  private constructor(
    readonly record: string,
    readonly hash: string,
  ) {}

  /**
   * The request's key record and fingerprint; null for a POST without a key where none is required.
   * The fingerprint is keyed with `secret`: it is kept in Redis, in events, in Kafka and in the audit
   * API, and a body may hold a card number, which a plain digest would let anyone recover by guessing
   * the few digits a masked number leaves open.
   */
  static async of(c: Context<AppEnv>, required: boolean, secret: string): Promise<KeyedRequest | null> {
    const key = requestHeader(c, "idempotency-key");
    if (key === undefined) {
      if (required)
        throw new AppError("VALIDATION_FAILED", "This route needs an Idempotency-Key header.", { errors: [{ path: "Idempotency-Key", message: "required" }] });
      return null;
    }
    if (key.length < 1 || key.length > 128)
      throw new AppError("VALIDATION_FAILED", "Idempotency-Key must be 1–128 characters.", {
        errors: [{ path: "Idempotency-Key", message: "1–128 characters" }],
      });
    const hash = requestFingerprint(secret, c.req.method, c.req.path, await c.req.text());
    return new KeyedRequest(idempotencyRecordKey(c.get("user").id, key), hash);
  }

  /** Lua arguments of claim_key. */
  claimArgs(): Array<string | number> {
    return [this.hash, this.owner, ABANDONED_MS];
  }

  /** What to do with a claim's answer: go on (true), answer now (a Response), or ask again later (false). */
  async settle(reply: ClaimReply): Promise<boolean | Response> {
    switch (reply[0]) {
      case "NEW":
        return true;
      case "MISMATCH":
        throw new AppError("IDEMPOTENCY_KEY_REUSED", "This Idempotency-Key was used with another request.");
      case "DONE":
        return replay(Number(reply[1]), reply[2], reply[3]);
      case "PENDING":
        if (Date.now() > this.giveUpAt) throw new AppError("CONFLICT", "A request with this Idempotency-Key is still in progress.");
        await sleep(25);
        return false;
    }
  }

  /** Keeps the response for repeats (a 4xx for `failureKeepMs`), or frees the key after a 5xx so a retry really retries. */
  async finish(redis: Redis, c: Context<AppEnv> | null, failureKeepMs: number): Promise<void> {
    const res = c?.res;
    if (!c || !res || res.status >= 500) {
      await runScript(redis, releaseScript, [this.record], [this.owner]).catch(() => undefined);
      return;
    }
    // Routes answer through jsonResponse and errors through problemResponse, which keep their text,
    // and set the headers a repeat needs with responseHeader. Anything else is read back whole.
    const text = renderedText(res);
    const headers: Record<string, string> = {};
    for (const h of REPLAYED_HEADERS) {
      const value = sentHeader(c, h) ?? (text === undefined ? res.headers.get(h) : null);
      if (value) headers[h] = value;
    }
    const body = text ?? (await res.clone().text());
    // Not awaited: the response is decided. A repeat that comes before the record is written waits
    // as for any pending key, and a record never written expires and is answered from the store.
    const keepMs = res.status >= 400 ? Math.min(failureKeepMs, KEEP_MS) : KEEP_MS;
    void runScript(redis, completeScript, [this.record], [this.owner, res.status, body, JSON.stringify(headers), keepMs]).catch(() => undefined);
  }
}

/** HMAC-SHA256 of `method path \n body` with the server's IDEMPOTENCY_SECRET, hex. */
export const requestFingerprint = (secret: string, method: string, path: string, body: string): string =>
  createHmac("sha256", secret).update(`${method} ${path}\n${body}`).digest("hex");

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function replay(status: number, body: string, headers: string): Response {
  const kept = JSON.parse(headers) as Record<string, string>;
  const contentType = status >= 400 ? "application/problem+json" : "application/json";
  return new Response(body, { status, headers: { ...kept, "content-type": contentType, "idempotency-replayed": "true" } });
}
