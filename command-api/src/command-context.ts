import type { EventMetadata } from "@surge/shared";

/** Who asked and why: becomes every appended event's metadata. */
export interface CommandContext {
  userId: string;
  correlationId: string;
  now: Date;
}

export const metadataFor = (ctx: CommandContext, causationId: string | null = null): EventMetadata => ({
  correlationId: ctx.correlationId,
  causationId,
  userId: ctx.userId,
  occurredAt: ctx.now.toISOString(),
});
