import { z } from "zod";
import { instant } from "./schemas.js";

/**
 * What every event carries besides its data: who caused it and when. Strict, so a misspelt key is
 * refused at the append instead of being stored where no reader looks for it.
 */
export const eventMetadata = z.strictObject({
  correlationId: z.string().min(1),
  /** The event that caused this one, when a process reacted to it. */
  causationId: z.string().min(1).nullable(),
  userId: z.string().min(1).nullable(),
  occurredAt: instant,
  /** The Idempotency-Key request's hash, so a replay from the store can tell a reused key. */
  requestHash: z.string().min(1).optional(),
});

export type EventMetadata = z.infer<typeof eventMetadata>;
