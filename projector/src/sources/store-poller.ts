import { PollingLoop } from "@surge/platform/lifecycle";
import { type EventStore, type StoredEvent } from "@surge/platform/eventstore/types";
import { type Logger } from "pino";

export interface StorePollerOptions {
  batchSize: number;
  idleMs: number;
  retryMs: number;
}

export interface StorePollerHooks {
  /** Applies a batch and commits the checkpoint with it. */
  apply: (events: StoredEvent[]) => Promise<void>;
  /** The committed checkpoint, read at start and after every failure. */
  checkpoint: () => Promise<number>;
  onError?: (err: unknown) => void;
}

/**
 * Embedded mode: tails the MySQL event store by global position. The store makes positions visible
 * in order, so polling after the checkpoint never skips an event, and no other state is needed.
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
        await this.hooks.apply(events);
        checkpoint = last.position;
      } catch (err) {
        prefetch = null;
        this.hooks.onError?.(err);
        this.logger.error({ err, checkpoint }, "projecting failed; retrying from the committed checkpoint");
        checkpoint = null;
        await this.sleep(this.options.retryMs);
      }
    }
    // No read left in flight when stop() returns (the pool closes next).
    await prefetch?.catch(() => undefined);
  }
}
