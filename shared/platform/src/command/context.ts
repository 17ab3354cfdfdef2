import type { EventMetadata } from "../events/metadata.js";
import type { PendingToken } from "../redis/token-bucket.js";

/** Who asked and why: becomes every appended event's metadata. */
export interface CommandContext {
  userId: string;
  correlationId: string;
  now: Date;
  /** The Idempotency-Key request's hash: kept in the events so a replay from the store can tell a reused key (422). */
  requestHash?: string | undefined;
  /**
   * The user's rate-limit token, when the command gate left it to the command's guard script: one
   * Redis call then both spends it and decides (the hot claim path), instead of two in a row.
   */
  pendingToken?: PendingToken | undefined;
}

// Built field by field, not with a conditional spread: one object shape per event on the append path.
export function metadataFor(ctx: CommandContext, causationId: string | null = null): EventMetadata {
  const metadata: EventMetadata = { correlationId: ctx.correlationId, causationId, userId: ctx.userId, occurredAt: ctx.now.toISOString() };
  if (ctx.requestHash) metadata.requestHash = ctx.requestHash;
  return metadata;
}

/** A system actor for jobs (scheduler, expiry, settlement). */
export const systemContext = (job: string, now = new Date()): CommandContext => ({
  userId: `system:${job}`,
  correlationId: `${job}:${now.toISOString()}`,
  now,
});
