import type { MiddlewareHandler } from "hono";
import type { Redis } from "ioredis";
import { unavailable } from "@surge/platform/errors";
import { runScript } from "@surge/platform/redis/guard-kit";
import type { AppEnv } from "@surge/platform/http/app";
import { claimKeyLua, KeyedRequest, type ClaimReply } from "./idempotency.js";
import { rateLimited } from "@surge/platform/http/rate-limit";
import { takeTokenLua } from "@surge/platform/redis/token-bucket";

/** The user's token bucket; in the user's hash tag, like their Idempotency-Key records. */
const bucketKey = (userId: string) => `rl:{${userId}}`;

/**
 * KEYS: the user's bucket, then the Idempotency-Key record when the request has one (both in the
 * user's hash tag). ARGV: rate, burst, nowMs, take ("1": spend a token; "0": a waiting repeat asks
 * again), then claim_key's arguments. Answers {'LIMITED', ms} or claim_key's answer.
 */
const gateScript = `${takeTokenLua}${claimKeyLua}
if ARGV[4] == '1' then
  local allowed, wait = take_token(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]))
  if allowed == 0 then return {'LIMITED', wait} end
end
if #KEYS == 1 then return {'NEW'} end
return claim_key(KEYS[2], ARGV[5], ARGV[6], ARGV[7])
`;

type GateReply = ClaimReply | ["LIMITED", number];

export interface CommandGateOptions {
  perSecond: number;
  burst: number;
  /** How long a kept 4xx answer lives (2xx answers live 24 h): failures cost nothing to make. */
  failureKeepMs: number;
  /** Keys the request fingerprints (IDEMPOTENCY_SECRET), so a kept one reveals nothing of a body. */
  secret: string;
  /** Routes where the contract requires an Idempotency-Key; on every other POST it is optional. */
  keyRequiredFor: (path: string) => boolean;
  /**
   * Routes whose guard script spends the rate-limit token itself (CommandContext.pendingToken):
   * an unkeyed request there passes the gate with no Redis call of its own.
   */
  tokenSpentByGuard: (path: string) => boolean;
}

/**
 * What every command passes after authentication: the user's rate limit, then the Idempotency-Key
 * (see KeyedRequest), decided in one Redis call, since each sequential round trip is a turn of a
 * busy event loop that every request of a drop waits for.
 */
export function commandGate(redis: Redis, opts: CommandGateOptions): MiddlewareHandler<AppEnv> {
  const call = (keys: string[], args: Array<string | number>) =>
    runScript<GateReply>(redis, gateScript, keys, [opts.perSecond, opts.burst, Date.now(), ...args]);
  return async (c, next) => {
    const bucket = bucketKey(c.get("user").id);
    const keyed = c.req.method === "POST" ? await KeyedRequest.of(c, opts.keyRequiredFor(c.req.path), opts.secret) : null;
    if (!keyed && opts.tokenSpentByGuard(c.req.path)) {
      c.set("pendingToken", { key: bucket, perSecond: opts.perSecond, burst: opts.burst });
      return next();
    }
    if (!keyed) {
      // Fails open without a key: the limit must not add an outage of its own (guarded writes answer 503 by themselves).
      const [code, waitMs] = await call([bucket], ["1"]).catch(() => ["NEW"] as GateReply);
      if (code === "LIMITED") throw rateLimited(Number(waitMs));
      return next();
    }
    for (let take = "1"; ; take = "0") {
      const reply = await call([bucket, keyed.record], [take, ...keyed.claimArgs()]).catch((err: unknown) => {
        throw unavailable("Idempotency records are unavailable; try again.", err);
      });
      if (reply[0] === "LIMITED") throw rateLimited(reply[1]);
      const settled = await keyed.settle(reply);
      if (settled instanceof Response) return settled;
      if (settled) break;
    }
    c.set("requestHash", keyed.hash);
    try {
      await next();
    } catch (err) {
      await keyed.finish(redis, null, opts.failureKeepMs);
      throw err;
    }
    await keyed.finish(redis, c, opts.failureKeepMs);
  };
}
