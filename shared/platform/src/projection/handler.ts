import type { Transaction } from "kysely";
import type { z } from "zod";
import { parseEvent, type EventType } from "../events/event-type.js";
import { type Database } from "../db/schema.js";
import { type StoredEvent } from "../eventstore/types.js";
import type { RunContext } from "./run-context.js";

export type Trx = Transaction<Database>;

/**
 * Applies one event to one read model inside the batch's transaction. Handlers are shared by every
 * source (the store poller now, Kafka later); deduplication is apply's job, not theirs. They are
 * the reference semantics: rare event types only ever go through them, and a failing batch run is
 * replayed through them to name the event at fault.
 */
export type Handler = (trx: Trx, event: StoredEvent) => Promise<void>;

/**
 * Applies a run of events (position order, only `types`) to one read model with a few statements:
 * load the rows the run touches, fold in memory, write back. Must leave the tables exactly as the
 * projection's per-event handlers applied one by one would. Batch forms of one run execute side by
 * side on the transaction's connection, so each must touch only its own read model's tables and
 * send every statement through `ctx.send` (one at a time, none after a failure).
 */
export interface BatchHandler {
  readonly types: ReadonlySet<string>;
  run(trx: Trx, events: readonly StoredEvent[], ctx: RunContext): Promise<void>;
}

/** Where a projection keeps its batch form (a symbol: Object.entries still lists handlers only). */
export const BATCH: unique symbol = Symbol("batch");

/** One read model's handlers, by event type, and optionally its batch form for the hot types. */
export type Projection = Readonly<Record<string, Handler>> & { readonly [BATCH]?: BatchHandler };

/** Every handler of an event type, in the order the projections were combined. */
export type HandlerMap = ReadonlyMap<string, readonly Handler[]> & {
  /** Batch forms, in projection order. */
  readonly batches: readonly BatchHandler[];
  /** Types every projection handling them can apply in batch (the others go event by event). */
  readonly batchable: ReadonlySet<string>;
};

export function combine(...projections: Projection[]): HandlerMap {
  const map = new Map<string, Handler[]>();
  for (const p of projections) {
    for (const [type, handler] of Object.entries(p)) map.set(type, [...(map.get(type) ?? []), handler]);
  }
  const batches = projections.flatMap((p) => (p[BATCH] ? [p[BATCH]] : []));
  // A type is batchable only if no projection would have to apply it event by event in between.
  const batchable = new Set<string>();
  for (const type of map.keys()) {
    if (projections.every((p) => !(type in p) || p[BATCH]?.types.has(type) === true)) batchable.add(type);
  }
  return Object.assign(map, { batches, batchable });
}

/** Attaches a batch form to per-event handlers; every batch type must have a per-event handler. */
export function withBatch(handlers: Readonly<Record<string, Handler>>, batch: BatchHandler): Projection {
  for (const type of batch.types) if (!(type in handlers)) throw new Error(`batch type ${type} has no per-event handler`);
  return Object.assign({ ...handlers }, { [BATCH]: batch });
}

// Parsed data per event: a batch run's projections (and its per-event fallback) parse each once.
const parsed = new WeakMap<StoredEvent, unknown>();

/**
 * The typed data of a stored event. A schema mismatch throws, so the batch is retried and the
 * projector stalls visibly (lag grows) instead of silently dropping a change to the read model.
 */
export function dataOf<E extends EventType>(type: E, event: StoredEvent): z.infer<E["schema"]> {
  if (event.type === type.type && parsed.has(event)) return parsed.get(event) as z.infer<E["schema"]>;
  const result = parseEvent([type], event);
  if (!result) throw new Error(`event ${event.eventId} is ${event.type}, not ${type.type}`);
  parsed.set(event, result.data);
  return result.data as z.infer<E["schema"]>;
}

/** The same handlers applied strictly event by event: the reference the batch forms are tested against. */
export function eventByEvent(handlers: HandlerMap): HandlerMap {
  return Object.assign(new Map(handlers), { batches: [], batchable: new Set<string>() });
}
