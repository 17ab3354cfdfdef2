import type { StoredEvent } from "../eventstore/types.js";
import { EventHandlerError } from "./apply.js";
import { classifyFailure, failureMessage, type FailureInfo } from "./failures.js";

export type PoisonVerdict =
  /** Not the event's fault (the database, the network, no handler named): retry, dead-letter nothing. */
  | { kind: "transient" }
  /** The event's handler failed, fewer times than the limit: retry the batch with it. */
  | { kind: "retry"; event: StoredEvent; attempts: number }
  /** Set the event aside (at once if its data does not fit its type) and go on without it. */
  | { kind: "poison"; event: StoredEvent; info: FailureInfo };

/**
 * Counts handler failures per event, for both projector sources, and says when an event is poison.
 * Counts live in memory: a restart starts counting again.
 */
export class PoisonJudge {
  private readonly attempts = new Map<string, number>();

  constructor(private readonly limit: number) {}

  judge(err: unknown, sourceOf: (event: StoredEvent) => string): PoisonVerdict {
    if (!(err instanceof EventHandlerError)) return { kind: "transient" };
    const kind = classifyFailure(err.cause);
    if (kind === "transient") return { kind: "transient" };
    const { event } = err;
    const attempts = (this.attempts.get(event.eventId) ?? 0) + 1;
    if (kind !== "schema" && attempts < this.limit) {
      this.attempts.set(event.eventId, attempts);
      return { kind: "retry", event, attempts };
    }
    this.attempts.delete(event.eventId);
    return { kind: "poison", event, info: { error: failureMessage(err.cause), attempts, source: sourceOf(event) } };
  }

  /** The event was applied: its earlier failures no longer count. */
  forget(eventId: string): void {
    this.attempts.delete(eventId);
  }
}
