import type {} from "./tables.js";
import { AppError } from "@surge/platform/errors";
import { OrderCancelled, OrderExpired } from "../orders/events.js";
import { parseEvent } from "@surge/platform/events/event-type";
import { readCheckpoint } from "@surge/platform/db/checkpoints";
import { type Db } from "@surge/platform/db/database";
import { type Logger } from "pino";
import { type StockGuard } from "./stock-guard.js";
import { type StoredEvent } from "@surge/platform/eventstore/types";
import { saveCheckpoint } from "@surge/platform/process/checkpoint";
import type { TailHandler } from "@surge/platform/process/log-tail";

export const STOCK_RELEASE_CHECKPOINT = "stock-release";
/** The events after which an order holds no stock (a cancel after payment included: its stock returns too). */
const ENDED = [OrderCancelled, OrderExpired] as const;

/**
 * Process manager: for every OrderCancelled/OrderExpired in the log, return the order's stock.
 * The command that appended the event releases right after, but may die in between; this makes
 * the release certain. release() is idempotent by order id, so running after the command (or
 * twice, after a crash before the checkpoint) returns the units once. The checkpoint lives in
 * MySQL and moves only after the releases before it succeeded.
 */
export class StockReleaseFollower implements TailHandler {
  readonly name = STOCK_RELEASE_CHECKPOINT;

  constructor(
    private readonly db: Db,
    private readonly stock: StockGuard,
    private readonly logger: Logger,
    private readonly onReleased: () => void = () => undefined,
  ) {}

  start(): Promise<number> {
    return readCheckpoint(this.db, STOCK_RELEASE_CHECKPOINT);
  }

  async handle(events: StoredEvent[]): Promise<void> {
    for (const raw of events) {
      const e = parseEvent(ENDED, raw);
      if (!e) continue;
      try {
        if (await this.stock.release(e.data.eventId, e.data.orderId)) this.onReleased();
      } catch (err) {
        // The sale itself is gone from the store: there is no stock to return, and retrying would block the log.
        if (err instanceof AppError && err.code === "NOT_FOUND") {
          this.logger.warn({ orderId: e.data.orderId, eventId: e.data.eventId }, "order of an unknown sale; nothing to release");
          continue;
        }
        throw err;
      }
    }
    const last = events.at(-1);
    if (last) await saveCheckpoint(this.db, STOCK_RELEASE_CHECKPOINT, last.position);
  }
}
