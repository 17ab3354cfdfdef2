import { AppError } from "../errors.js";
import type { StoredEvent } from "../eventstore/types.js";
import type { CommandContext } from "./context.js";

/**
 * A keyed command whose effect is already in the store (its Idempotency-Key record was lost, or
 * the key was taken over after the first request stalled): the first success is answered again
 * from that event, unless the event was written for another request body.
 */
export function replayOf(first: StoredEvent | undefined, ctx: CommandContext): StoredEvent | null {
  if (!first) return null;
  const kept = first.metadata.requestHash;
  if (ctx.requestHash !== undefined && typeof kept === "string" && kept !== ctx.requestHash) {
    throw new AppError("IDEMPOTENCY_KEY_REUSED", "This Idempotency-Key was used with another request.");
  }
  return first;
}
