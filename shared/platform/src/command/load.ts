import type { EventStore, StoredEvent } from "../eventstore/types.js";
import { parseEvent, type EventType, type EventOf } from "../events/event-type.js";

/** A kind of stream: the event types it holds and how they fold into its state. */
export interface StreamModel<S, E extends EventType> {
  readonly types: readonly E[];
  readonly initialState: () => S;
  readonly evolve: (state: S, event: EventOf<E>) => S;
}

/** A stream as it was read: its state and the version an append decided on that state must expect. */
export interface LoadedStream<S, E extends EventType> {
  readonly streamId: string;
  readonly model: StreamModel<S, E>;
  readonly state: S;
  readonly version: number;
  readonly events: StoredEvent[];
}

/** Folds a stream into its state: the read half of every command that uses optimistic concurrency. */
export async function loadStream<S, E extends EventType>(store: EventStore, streamId: string, model: StreamModel<S, E>): Promise<LoadedStream<S, E>> {
  const events = await store.readStream(streamId);
  let state = model.initialState();
  for (const raw of events) {
    const e = parseEvent(model.types, raw);
    if (e) state = model.evolve(state, e);
  }
  return { streamId, model, state, version: events.length === 0 ? 0 : events[events.length - 1]!.version, events };
}

/** Reads a stream for a command: `loadStream` bound to a store, or a handler's attempt (which remembers the version). */
export type StreamLoader = <S, E extends EventType>(streamId: string, model: StreamModel<S, E>) => Promise<LoadedStream<S, E>>;

/** The loader for reads outside a command handler. */
export const loaderOf =
  (store: EventStore): StreamLoader =>
  (streamId, model) =>
    loadStream(store, streamId, model);
