import { AppError } from "../errors.js";
import type { EventStore, StoredEvent } from "../eventstore/types.js";
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

/**
 * The last position of the append that wrote `first`: an append's events take consecutive
 * positions and share the request's correlation id, so a replay answers the X-Position of the
 * whole first append (other streams' parts included) and a read after it sees all of it.
 */
export async function appendEndPosition(store: Pick<EventStore, "readAll">, first: StoredEvent): Promise<number> {
  let last = first.position;
  for (const e of await store.readAll(first.position, 50)) {
    if (e.position !== last + 1 || e.metadata.correlationId !== first.metadata.correlationId) break;
    last = e.position;
  }
  return last;
}
