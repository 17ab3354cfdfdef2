import type { Transaction } from "kysely";
import type { z } from "zod";
import { parseEvent, type Database, type EventType, type StoredEvent } from "@surge/shared";

export type Trx = Transaction<Database>;

/**
 * Applies one event to one read model inside the batch's transaction. Handlers are shared by every
 * source (the store poller now, Kafka later); deduplication is apply's job, not theirs.
 */
export type Handler = (trx: Trx, event: StoredEvent) => Promise<void>;

/** One read model's handlers, by event type. */
export type Projection = Readonly<Record<string, Handler>>;

/** Every handler of an event type, in the order the projections were combined. */
export type HandlerMap = ReadonlyMap<string, readonly Handler[]>;

export function combine(...projections: Projection[]): HandlerMap {
  const map = new Map<string, Handler[]>();
  for (const p of projections) {
    for (const [type, handler] of Object.entries(p)) map.set(type, [...(map.get(type) ?? []), handler]);
  }
  return map;
}

/**
 * The typed data of a stored event. A schema mismatch throws, so the batch is retried and the
 * projector stalls visibly (lag grows) instead of silently dropping a change to the read model.
 */
export function dataOf<E extends EventType>(type: E, event: StoredEvent): z.infer<E["schema"]> {
  const parsed = parseEvent([type], event);
  if (!parsed) throw new Error(`event ${event.eventId} is ${event.type}, not ${type.type}`);
  return parsed.data as z.infer<E["schema"]>;
}
