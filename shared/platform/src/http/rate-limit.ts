import type { Context, MiddlewareHandler } from "hono";
import type { Redis } from "ioredis";
import { AppError } from "../errors.js";
import { takeToken, type BucketLimit, type PendingToken } from "../redis/token-bucket.js";

export const rateLimited = (waitMs: number, detail = "Too many requests; slow down.") =>
  new AppError("RATE_LIMITED", detail, { retryAfterS: Math.max(1, Math.ceil(waitMs / 1000)) });

/**
 * Spends a token the gate left pending, on a path where the guard script that would have spent it
 * is not reached (a coupon this process does not know yet). Fails open, as the gate does.
 */
export async function spendPendingToken(redis: Redis, token: PendingToken): Promise<void> {
  const waitMs = await takeToken(redis, token.key, token).catch(() => 0);
  if (waitMs > 0) throw rateLimited(waitMs);
}

/**
 * One token of the bucket `bucketOf(c)` names per request, or 429 RATE_LIMITED with Retry-After.
 * It fails open: when Redis does not answer, the limit must not add an outage of its own.
 */
export function rateLimit<E extends object = object>(redis: Redis, limit: BucketLimit, bucketOf: (c: Context<E>) => string): MiddlewareHandler<E> {
  return async (c, next) => {
    await spendPendingToken(redis, { key: bucketOf(c), ...limit });
    await next();
  };
}
