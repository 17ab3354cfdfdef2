import type { z } from "zod";
import type { EventType } from "../events/event-type.js";
import type { EventMetadata } from "../events/metadata.js";

/** What every event of one stream's part of an append carries besides its data. */
export interface Stamp {
  metadata: EventMetadata;
  /** Cross-stream index key, e.g. `event:<eventId>` on order events (see readByTag). */
  tag?: string;
}

/**
 * An event to append, bound to its event type: the store checks `data` against that type's
 * schema and `metadata` against the platform's, and refuses the whole append when one does not match.
 * Distributes over a union of event types, so each type keeps its own data.
 */
export type NewEvent<E extends EventType = EventType> = E extends EventType
  ? Stamp & {
      /** Defaults to a fresh UUIDv7; callers pass one when the id must be known before the append. */
      eventId?: string;
      eventType: E;
      data: z.output<E["schema"]>;
    }
  : never;

export interface StoredEvent {
  position: number;
  eventId: string;
  streamId: string;
  version: number;
  type: string;
  data: unknown;
  metadata: EventMetadata;
  tag: string | null;
  occurredAt: Date;
}

/** A number is the version the stream must be at (0 = empty). */
export type ExpectedVersion = number | "no_stream" | "any";

export interface AppendOptions {
  /** Commit only while this guard fence still holds this token (see guard rebuilds). */
  fence?: { key: string; token: string };
  /** Epoch ms after which the append must not be written at all (its reservation may be swept). */
  notAfter?: number;
}

export interface ReadStreamOptions {
  fromVersion?: number;
  toVersion?: number;
  /** Only events at or before this global position (state as of a point in the log). */
  toPosition?: number;
}

export interface StreamAppend {
  streamId: string;
  expected: ExpectedVersion;
  events: readonly NewEvent[];
}

export interface AppendResult {
  streamId: string;
  /** Stream version after the append. */
  version: number;
  positions: number[];
  lastPosition: number;
}

/**
 * The single source of truth. Positions are global, strictly increasing and become visible in
 * position order, so a reader polling `readAll` with a checkpoint never skips an event.
 */
export interface EventStore {
  /** Refuses (EventSchemaError, nothing written) an event whose data or metadata its schema rejects. */
  append(streamId: string, expected: ExpectedVersion, events: readonly NewEvent[], options?: AppendOptions): Promise<AppendResult>;
  /**
   * Appends to several streams atomically: every part commits or none does (a conflict in one part,
   * or one event its schema rejects, fails the whole call). Results are in the order of `parts`.
   */
  appendMulti(parts: readonly StreamAppend[], options?: AppendOptions): Promise<AppendResult[]>;
  readStream(streamId: string, options?: ReadStreamOptions): Promise<StoredEvent[]>;
  /** Every event carrying `tag`, in position order. */
  readByTag(tag: string, options?: { toPosition?: number }): Promise<StoredEvent[]>;
  readEvent(eventId: string): Promise<StoredEvent | null>;
  /** Events with position > `after`, in position order. */
  readAll(after: number, limit: number): Promise<StoredEvent[]>;
  headPosition(): Promise<number>;
  /**
   * Starts a new guard generation: waits for every in-flight append, then makes appends that
   * carry an older token for `key` fail with FenceError. Read the stream after this returns.
   */
  rotateFence(key: string): Promise<string>;
  /** Which of these event ids are committed, after every append in flight has finished. */
  committedEventIds(eventIds: string[]): Promise<Set<string>>;
  close(): Promise<void>;
}

export const streamCategory = (streamId: string): string => streamId.split("-", 1)[0] ?? streamId;
