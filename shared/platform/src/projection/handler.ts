import type { Transaction } from "kysely";
import type { z } from "zod";
import { parseEvent, type EventType } from "../events/event-type.js";
import { type Database } from "../db/schema.js";
import { type StoredEvent } from "../eventstore/types.js";
import { RunContext } from "./run-context.js";

export type Trx = Transaction<Database>;

/**
 * A read model's one definition. It applies a run of events (position order, only `types`) with
 * a few statements: load the rows the run touches, fold in memory, write back. One event is a run
 * of one: that is how a failing run is redone to name the event at fault, so a run must leave the
 * tables exactly as its events applied one run each would. The projections of a run execute side
 * by side on the transaction's connection, so each must touch only its own read model's tables
 * and send every statement through `ctx.send` (one at a time, none after a failure).
 * Deduplication is apply's job, not theirs; the sources (store poller, Kafka) share them.
 */
export interface Projection {
  readonly types: ReadonlySet<string>;
  run(trx: Trx, events: readonly StoredEvent[], ctx: RunContext): Promise<void>;
}

/** Every read model, in the order they were combined (which must not matter). */
export type Projections = readonly Projection[];

export const combine = (...projections: Projection[]): Projections => projections;

export const typesOf = (...types: EventType[]): ReadonlySet<string> => new Set(types.map((t) => t.type));

/**
 * One run through every projection. They fold side by side: one folds while the server runs
 * another's statement (ctx.send sends them one at a time, none after a failure). All settle before
 * this returns or throws: a savepoint rollback must follow every write.
 */
export async function runAll(trx: Trx, projections: Projections, events: readonly StoredEvent[]): Promise<void> {
  const ctx = new RunContext(events);
  const outcomes = await Promise.allSettled(
    projections.map(async (p) => {
      const mine = events.filter((e) => p.types.has(e.type));
      if (mine.length > 0) await p.run(trx, mine, ctx);
    }),
  );
  const failed = outcomes.find((o) => o.status === "rejected");
  if (failed) throw ctx.failure ?? failed.reason;
}

// Parsed data per event: a run's projections (and its one-event redo) parse each once.
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
