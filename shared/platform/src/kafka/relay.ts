import { sql } from "kysely";
import { PollingLoop } from "../lifecycle.js";
import { readCheckpoint, RELAY_CHECKPOINT } from "../db/checkpoints.js";
import { type Db } from "../db/database.js";
import { type EventStore, type StoredEvent } from "../eventstore/types.js";
import { type Lease } from "../db/lease.js";
import { type Logger } from "pino";
import type { EventPublisher } from "./publisher.js";

export interface RelayOptions {
  batchSize: number;
  idleMs: number;
  backoffMinMs: number;
  backoffMaxMs: number;
}

export interface RelayHooks {
  /** After the broker acknowledged a batch and before the checkpoint moves: crash tests fail here. */
  afterPublish?: (events: StoredEvent[]) => Promise<void>;
  /** A batch was acknowledged and checkpointed, `seconds` after it was read from the store. */
  onPublished?: (events: StoredEvent[], seconds: number) => void;
  /** A publish failed; the next attempt comes `retryInMs` later. */
  onError?: (err: unknown, retryInMs: number) => void;
}

export class LeaseLostError extends Error {
  override name = "LeaseLostError";
}

/**
 * Publishes the store's global log to Kafka, in position order, from its own checkpoint. The
 * checkpoint moves only after the broker acknowledged the batch, so a crash in between publishes
 * the batch again (duplicates, never gaps): the projector's event_handled filter absorbs them.
 * Only the holder of the lease publishes; the others stand by.
 */
export class Relay extends PollingLoop {
  constructor(
    private readonly store: EventStore,
    private readonly db: Db,
    private readonly publisher: EventPublisher,
    private readonly lease: Lease,
    private readonly options: RelayOptions,
    private readonly logger: Logger,
    private readonly hooks: RelayHooks = {},
  ) {
    super();
  }

  protected async run(): Promise<void> {
    // null: read it from the database (after a failure or a lost lease the in-memory value is doubtful).
    let checkpoint: number | null = null;
    let failures = 0;
    let active = false;
    while (!this.stopping) {
      if (!this.lease.held) {
        if (active) this.logger.warn("relay lease lost; standing by");
        active = false;
        checkpoint = null;
        await this.sleep(Math.min(200, this.options.idleMs * 10));
        continue;
      }
      if (!active) this.logger.info({ owner: this.lease.owner }, "relay lease held; publishing");
      active = true;
      try {
        checkpoint ??= await readCheckpoint(this.db, RELAY_CHECKPOINT);
        const started = performance.now();
        const events = await this.store.readAll(checkpoint, this.options.batchSize);
        const last = events.at(-1);
        if (!last) {
          await this.sleep(this.options.idleMs);
          continue;
        }
        await this.publisher.publish(events);
        await this.hooks.afterPublish?.(events);
        await this.saveCheckpoint(last.position);
        checkpoint = last.position;
        if (failures > 0) this.logger.info({ failures, checkpoint }, "relay recovered");
        failures = 0;
        this.hooks.onPublished?.(events, (performance.now() - started) / 1000);
      } catch (err) {
        failures++;
        checkpoint = null;
        const backoff = Math.min(this.options.backoffMaxMs, this.options.backoffMinMs * 2 ** Math.min(failures - 1, 20));
        this.hooks.onError?.(err, backoff);
        // The first failures of an outage are expected noise; the log says when it lasts.
        (failures > 3 ? this.logger.error.bind(this.logger) : this.logger.warn.bind(this.logger))(
          { err, failures, backoffMs: backoff },
          "publishing failed; retrying",
        );
        await this.sleep(backoff);
      }
    }
  }

  /**
   * Moves the checkpoint forward (never back) only while this relay still holds the lease: a relay
   * that lost it may have published a batch again, but cannot move a newer owner's checkpoint.
   */
  private async saveCheckpoint(position: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      if (!(await this.lease.holdsIn(trx))) throw new LeaseLostError("the relay lease expired before the checkpoint could move");
      await trx
        .insertInto("projection_checkpoints")
        .values({ name: RELAY_CHECKPOINT, position })
        .onDuplicateKeyUpdate({ position: sql`GREATEST(position, VALUES(position))`, updated_at: sql`CURRENT_TIMESTAMP(3)` })
        .execute();
    });
  }
}
