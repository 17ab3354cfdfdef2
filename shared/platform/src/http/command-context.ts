import { requestHeader, responseHeader } from "./node-headers.js";
import { idForKey, newId } from "../ids.js";
import { type AppEnv } from "./app.js";
import { type CommandContext } from "../command/context.js";
import type { Context } from "hono";

export const commandContext = (c: Context<AppEnv>): CommandContext => ({
  userId: c.get("user").id,
  correlationId: c.get("requestId"),
  now: new Date(),
  requestHash: c.get("requestHash"),
  pendingToken: c.get("pendingToken"),
});

/**
 * X-Position of the append that answered (and Idempotency-Replayed on a replay), set on Node's
 * response directly: `c.header()` builds an undici Headers for every response that carries one.
 */
export function positionHeader(c: Context<AppEnv>, position: number, replayed = false): void {
  responseHeader(c, "X-Position", String(position));
  if (replayed) responseHeader(c, "Idempotency-Replayed", "true");
}

/**
 * The id of what a command creates. With an Idempotency-Key it derives from (user, key), as order
 * and payment ids do: a retry after the key's record was lost from Redis (FLUSHALL, restart) names
 * the same stream or event, so the store refuses a second one and the first is answered again.
 * Without a key it is fresh.
 */
export function createdIdFor(c: Context<AppEnv>, namespace: string): string {
  return keyedIdFor(c, namespace) ?? newId();
}

/** The id derived from the request's Idempotency-Key, or undefined when it carries none. */
export function keyedIdFor(c: Context<AppEnv>, namespace: string): string | undefined {
  const key = requestHeader(c, "idempotency-key");
  return key === undefined ? undefined : idForKey(namespace, c.get("user").id, key);
}

/** keyedIdFor on a route where the gate requires the key: its absence here is a wiring bug. */
export function requiredKeyedIdFor(c: Context<AppEnv>, namespace: string): string {
  const id = keyedIdFor(c, namespace);
  if (id === undefined) throw new Error(`${c.req.method} ${c.req.path} needs the command gate to require an Idempotency-Key`);
  return id;
}
