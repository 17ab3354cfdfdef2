import { PollingLoop } from "@surge/platform/lifecycle";
import { type EventStore, type StoredEvent } from "@surge/platform/eventstore/types";
import type { FailureInfo, Quarantine } from "@surge/platform/projection/failures";
import { PoisonJudge } from "@surge/platform/projection/poison";
import { type Logger } from "pino";

export interface StorePollerOptions {
  batchSize: number;
  idleMs: number;
  retryMs: number;
  /** A handler failing this many times (for a reason other than the database) dead-letters its event. */
  attempts?: number;
}

export interface StorePollerHooks {
  /** Applies a batch and commits the checkpoint with it; quarantined events are recorded as failures instead. */
  apply: (events: StoredEvent[], quarantine: Quarantine) => Promise<void>;
  /** The committed checkpoint, read at start and after every failure. */
  checkpoint: () => Promise<number>;
  onError?: (err: unknown) => void;
  /** An event was set aside as poison (it is recorded in projection_failures once its batch commits). */
  onDeadLetter?: (info: FailureInfo) => void;
}

/**
 * Embedded mode: tails the MySQL event store by global position. The store makes positions visible
 * in order, so polling after the checkpoint never skips an event, and no other state is needed.
 *
 * A poison event cannot stop it: as in Kafka mode, an event whose handler keeps failing (at once
 * if its data does not fit its schema) is recorded in projection_failures in its batch's
 * transaction, marked handled, and the events after it go on (retry-failed applies it later). The
 * database failing is retried without limit and dead-letters nothing.
 */
export class StorePoller extends PollingLoop {
  constructor(
    private readonly store: EventStore,
    private readonly hooks: StorePollerHooks,
    private readonly options: StorePollerOptions,
    private readonly logger: Logger,
  ) {
    super();
  }

  protected async run(): Promise<void> {
    // null: not known, read it from the database (the in-memory value is doubtful after a failure).
    let checkpoint: number | null = null;
    // The next batch, read while the current one applies (a full batch says more is waiting).
    let prefetch: Promise<StoredEvent[]> | null = null;
    // Poison events of the batch being retried, and failed tries per event (a restart counts again).
    const quarantine = new Map<string, FailureInfo>();
    const judge = new PoisonJudge(this.options.attempts ?? 3);
    while (!this.stopping) {
      try {
        checkpoint ??= await this.hooks.checkpoint();
        const events: StoredEvent[] = await (prefetch ?? this.store.readAll(checkpoint, this.options.batchSize));
        prefetch = null;
        const last = events.at(-1);
        if (!last) {
          await this.sleep(this.options.idleMs);
          continue;
        }
        if (events.length === this.options.batchSize) {
          // Reads after `last` as the next turn would; dropped unread if this apply fails.
          prefetch = this.store.readAll(last.position, this.options.batchSize);
          prefetch.catch(() => undefined);
        }
        await this.hooks.apply(events, quarantine);
        checkpoint = last.position;
        for (const e of events) {
          quarantine.delete(e.eventId);
          judge.forget(e.eventId);
        }
      } catch (err) {
        prefetch = null;
        this.hooks.onError?.(err);
        checkpoint = null;
        // Set aside: apply the batch again at once, without it.
        if (this.setAside(err, quarantine, judge)) continue;
        this.logger.error({ err }, "projecting failed; retrying from the committed checkpoint");
        await this.sleep(this.options.retryMs);
      }
    }
    // No read left in flight when stop() returns (the pool closes next).
    await prefetch?.catch(() => undefined);
  }

  /** Counts a handler's failure against its event; true when the event is now quarantined. */
  private setAside(err: unknown, quarantine: Map<string, FailureInfo>, judge: PoisonJudge): boolean {
    const verdict = judge.judge(err, () => "store");
    if (verdict.kind !== "poison") return false;
    const { event, info } = verdict;
    quarantine.set(event.eventId, info);
    this.hooks.onDeadLetter?.(info);
    this.logger.error(
      { eventId: event.eventId, type: event.type, position: event.position, error: info.error, attempts: info.attempts },
      "poison event dead-lettered; going on without it",
    );
    return true;
  }
}
