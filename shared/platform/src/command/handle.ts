import { ConcurrencyError } from "../errors.js";
import type { AppendOptions, AppendResult, EventStore, Stamp, StreamAppend } from "../eventstore/types.js";
import type { EventOf, EventType } from "../events/event-type.js";
import { bindEvents } from "../events/new-event.js";
import { loadStream, type LoadedStream, type StreamLoader, type StreamModel } from "./load.js";

/** A stream model with its rules: pure decide and evolve, as the given/when/then specs run them. */
export interface StreamDecider<S, C, E extends EventType> extends StreamModel<S, E> {
  readonly decide: (state: S, command: C) => EventOf<E>[];
}

/** One load-decide-append attempt. A conflict on its append runs the whole attempt again on fresh reads. */
export interface CommandUnit {
  /** Reads a stream; the version read is what an append of events decided on it will expect. */
  readonly load: StreamLoader;
  /**
   * Events decided on `stream`, bound to its event types, as one part of the append: expecting the
   * version this attempt loaded. Null when there are none, so an optional part needs no branch.
   */
  change<S, E extends EventType>(stream: LoadedStream<S, E>, events: readonly EventOf<E>[], stamp: Stamp): StreamAppend | null;
  /** Appends the parts (nulls skipped, order kept) in one atomic write; at most once per attempt. */
  append(parts: ReadonlyArray<StreamAppend | null>, options?: AppendOptions): Promise<Appended>;
}

export interface Appended {
  /** The last position of the whole append (what X-Position reports). */
  lastPosition: number;
  /** One result per part appended, in order. */
  results: AppendResult[];
}

export interface HandleOptions {
  /** Runs of the whole load-decide-append before a conflict is given up (default 5). */
  attempts?: number;
}

/** A unit that refuses parts from streams it did not load, so no expected version can come from an earlier read. */
function attempt(store: EventStore): CommandUnit & { conflicted: () => boolean } {
  const loaded = new WeakSet<object>();
  const parts = new WeakSet<StreamAppend>();
  let appended = false;
  let conflicted = false;
  return {
    conflicted: () => conflicted,
    load: async (streamId, model) => {
      const stream = await loadStream(store, streamId, model);
      loaded.add(stream);
      return stream;
    },
    change(stream, events, stamp) {
      if (!loaded.has(stream)) throw new Error(`${stream.streamId} was not loaded by this attempt: its version may be stale`);
      if (events.length === 0) return null;
      const part: StreamAppend = { streamId: stream.streamId, expected: stream.version, events: bindEvents(stream.model.types, events, stamp) };
      parts.add(part);
      return part;
    },
    async append(given, options) {
      if (appended) throw new Error("a command appends once per attempt");
      appended = true;
      const chosen = given.filter((p): p is StreamAppend => p !== null);
      if (chosen.length === 0) throw new Error("nothing to append: decide on a stream first");
      if (chosen.some((p) => !parts.has(p))) throw new Error("every part must come from change() of this attempt");
      try {
        const results = await store.appendMulti(chosen, options);
        return { lastPosition: results[results.length - 1]!.lastPosition, results };
      } catch (err) {
        conflicted = err instanceof ConcurrencyError;
        throw err;
      }
    },
  };
}

/**
 * The command handler for one or several streams: `run` loads what it needs, decides, and appends
 * every change in one atomic write, each stream expecting the version it was loaded at. When
 * another writer got to one of them first (ConcurrencyError from this attempt's append), the whole
 * run starts again on fresh reads, so the second run decides on the new state; after `attempts`
 * runs the conflict is thrown. Anything else `run` throws ends it at once.
 */
export async function handleStreams<R>(store: EventStore, run: (unit: CommandUnit) => Promise<R>, options: HandleOptions = {}): Promise<R> {
  const attempts = options.attempts ?? 5;
  for (let i = 1; ; i++) {
    const unit = attempt(store);
    try {
      return await run(unit);
    } catch (err) {
      if (!(err instanceof ConcurrencyError && unit.conflicted()) || i >= attempts) throw err;
    }
  }
}

export interface Handled<S, E extends EventType> {
  /** The stream as the successful attempt read it: its stored events answer an idempotent replay. */
  loaded: LoadedStream<S, E>;
  /** What was decided and appended; empty when the command changed nothing. */
  events: EventOf<E>[];
  /** The state after those events. */
  state: S;
  /** The append's last position; null when nothing was appended. */
  position: number | null;
}

/** The single-stream form: load `streamId`, decide `command` on it, append what was decided. */
export function handle<S, C, E extends EventType>(
  store: EventStore,
  streamId: string,
  decider: StreamDecider<S, C, E>,
  command: C,
  stamp: Stamp | ((state: S) => Stamp),
  options: HandleOptions & { append?: AppendOptions } = {},
): Promise<Handled<S, E>> {
  return handleStreams(
    store,
    async (unit) => {
      const loaded = await unit.load(streamId, decider);
      const events = decider.decide(loaded.state, command);
      const state = events.reduce(decider.evolve, loaded.state);
      if (events.length === 0) return { loaded, events, state, position: null };
      const part = unit.change(loaded, events, typeof stamp === "function" ? stamp(loaded.state) : stamp);
      const { lastPosition } = await unit.append([part], options.append);
      return { loaded, events, state, position: lastPosition };
    },
    options,
  );
}
