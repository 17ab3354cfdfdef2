export interface EventMetadata {
  correlationId: string;
  causationId: string | null;
  userId: string | null;
  occurredAt: string;
  [key: string]: unknown;
}

export interface NewEvent {
  /** Defaults to a fresh UUIDv7; callers pass one when the id must be known before the append. */
  eventId?: string;
  type: string;
  data: unknown;
  metadata: EventMetadata;
  /** Cross-stream index key, e.g. `event:<eventId>` on order events (see readByTag). */
  tag?: string;
}

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
  events: NewEvent[];
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
  append(streamId: string, expected: ExpectedVersion, events: NewEvent[], options?: AppendOptions): Promise<AppendResult>;
  /**
   * Appends to several streams atomically: every part commits or none does (a conflict in one part
   * fails the whole call). Results are in the order of `parts`.
   */
  appendMulti(parts: StreamAppend[], options?: AppendOptions): Promise<AppendResult[]>;
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
