import type { z } from "zod";
import type { NewEvent, Stamp } from "../eventstore/types.js";
import type { EventOf, EventType } from "./event-type.js";

/** One event of `eventType` to append: the compiler checks its data here, the store's schema check on append. */
export const newEvent = <E extends EventType>(eventType: E, data: z.output<E["schema"]>, stamp: Stamp & { eventId?: string }): NewEvent<E> =>
  eventOf(eventType, data, stamp, stamp.eventId);

/**
 * Every field named, in one order, rather than spread from the stamp: on the append path a spread
 * gave each event an object shape of its own, several µs an event to build and read back.
 */
const eventOf = <E extends EventType>(eventType: E, data: unknown, stamp: Stamp, eventId: string | undefined) =>
  ({ eventId, eventType, data, metadata: stamp.metadata, tag: stamp.tag }) as NewEvent<E>;

/**
 * A decider's events (type name and data) bound to their types among `types`, each with the same
 * metadata and tag. A name outside `types` is a bug in the decider, not data to store.
 */
export function bindEvents<E extends EventType>(types: readonly E[], events: readonly EventOf<E>[], stamp: Stamp): NewEvent<E>[] {
  return events.map((e) => {
    const eventType = types.find((t) => t.type === e.type);
    if (!eventType) throw new Error(`${e.type} is not one of this stream's event types (${types.map((t) => t.type).join(", ")})`);
    return eventOf(eventType, e.data, stamp, undefined);
  });
}
