import type { EventStore, StoredEvent } from "../eventstore/types.js";
import { parseEvent, type EventType, type EventOf } from "../events/event-type.js";

/**
 * Folds a stream into its state and the version to expect on the next append: the read half of
 * every command that uses optimistic concurrency.
 */
export async function loadAggregate<S, E extends EventType>(
  store: EventStore,
  streamId: string,
  types: readonly E[],
  initial: S,
  evolve: (s: S, e: EventOf<E>) => S,
): Promise<{ state: S; version: number; events: StoredEvent[] }> {
  const events = await store.readStream(streamId);
  let state = initial;
  for (const raw of events) {
    const e = parseEvent(types, raw);
    if (e) state = evolve(state, e);
  }
  return { state, version: events.length === 0 ? 0 : events[events.length - 1]!.version, events };
}
