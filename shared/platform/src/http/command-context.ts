import { responseHeader } from "./node-headers.js";
import { type AppEnv } from "./app.js";
import { type CommandContext } from "../command/context.js";
import type { Context } from "hono";

export const commandContext = (c: Context<AppEnv>): CommandContext => ({
  userId: c.get("user").id,
  correlationId: c.get("requestId"),
  now: new Date(),
  requestHash: c.get("requestHash"),
});

/**
 * X-Position of the append that answered (and Idempotency-Replayed on a replay), set on Node's
 * response directly: `c.header()` builds an undici Headers for every response that carries one.
 */
export function positionHeader(c: Context<AppEnv>, position: number, replayed = false): void {
  responseHeader(c, "X-Position", String(position));
  if (replayed) responseHeader(c, "Idempotency-Replayed", "true");
}
