import { newId } from "@surge/platform/ids";
import type { EventMetadata, NewEvent } from "@surge/platform/eventstore/types";

export interface RawEventOptions {
  /** occurredAt: now unless given. */
  at?: string | Date;
  eventId?: string;
  tag?: string;
  userId?: string | null;
  correlationId?: string;
}

/** Metadata as a command without a cause appends it: a fresh correlation id, no user unless given. */
export function rawMetadata(opts: Omit<RawEventOptions, "eventId" | "tag"> = {}): EventMetadata {
  const at = opts.at ?? new Date();
  return { correlationId: opts.correlationId ?? newId(), causationId: null, userId: opts.userId ?? null, occurredAt: typeof at === "string" ? at : at.toISOString() };
}

/** An event built by hand, to append straight to the store where a test needs exact control (times, ids, impossible histories). */
export function rawEvent(type: string, data: unknown, opts: RawEventOptions = {}): NewEvent {
  const { eventId, tag, ...meta } = opts;
  return { ...(eventId ? { eventId } : {}), type, data, metadata: rawMetadata(meta), ...(tag ? { tag } : {}) };
}
