import { AppError } from "@surge/platform/errors";
import { cancelOrder, type PaymentDeps } from "./pay.js";
import { loadOrder } from "../orders/place.js";
import { parseEvent } from "@surge/platform/events/event-type";
import { PaymentFailed } from "../orders/events.js";
import { readCheckpoint } from "@surge/platform/db/checkpoints";
import { systemContext } from "@surge/platform/command/context";
import { type Db } from "@surge/platform/db/database";
import { type Logger } from "pino";
import { type StoredEvent } from "@surge/platform/eventstore/types";
import { inChunks, saveCheckpoint } from "@surge/platform/process/checkpoint";
import type { TailHandler } from "@surge/platform/process/log-tail";
import type { RetryBook } from "./retries.js";

export const PAYMENT_COMPENSATION_CHECKPOINT = "payment-compensation";
/** Orders compensated in parallel per batch: a flash sale's declines drain quickly, the pool is not swamped. */
const PARALLEL = 16;

/**
 * Process manager: a declined card payment (PaymentFailed) cancels its order with reason
 * PAYMENT_FAILED through cancelOrder, which appends OrderCancelled and the coupon's release in one
 * atomic append, then returns the stock (and any goods unit) by order id. Exactly once: the decider
 * and the expected versions make a repeat decide nothing, and an order that is no longer waiting
 * on that failed payment (expired, already cancelled, paid or paying again) is left as it is. A
 * compensation that fails is booked in its RetryBook (retried with back-off, dead-lettered after a
 * limit) and the checkpoint moves on: one order that keeps failing never holds back the others.
 */
export class PaymentCompensation implements TailHandler {
  readonly name = PAYMENT_COMPENSATION_CHECKPOINT;

  constructor(
    private readonly db: Db,
    private readonly deps: PaymentDeps,
    private readonly logger: Logger,
    private readonly retries: RetryBook,
    private readonly onCancelled: () => void = () => undefined,
  ) {}

  start(): Promise<number> {
    return readCheckpoint(this.db, PAYMENT_COMPENSATION_CHECKPOINT);
  }

  async handle(events: StoredEvent[]): Promise<void> {
    const failed = new Map<string, string>();
    for (const raw of events) {
      const e = parseEvent([PaymentFailed], raw);
      if (e) failed.set(e.data.orderId, e.data.paymentId);
    }
    await inChunks([...failed], PARALLEL, async ([orderId, paymentId]) => {
      try {
        await this.compensate(orderId, paymentId);
      } catch (err) {
        this.logFailure(orderId, paymentId, err, await this.retries.failed(orderId, paymentId, err, new Date()));
      }
    });
    const last = events.at(-1);
    if (last) await saveCheckpoint(this.db, PAYMENT_COMPENSATION_CHECKPOINT, last.position);
  }

  /** One round of the compensations that failed before and whose back-off is over. */
  retryDue(now = new Date()): Promise<void> {
    return this.retries.runDue(
      now,
      PARALLEL,
      (orderId, paymentId) => this.compensate(orderId, paymentId),
      (...failure) => this.logFailure(...failure),
    );
  }

  private logFailure(orderId: string, paymentId: string, err: unknown, verdict: "retry" | "dead"): void {
    if (verdict === "dead")
      this.logger.error({ err, orderId, paymentId }, "payment compensation dead-lettered; `npm run batch -- dead-letters retry` once fixed");
    else this.logger.warn({ err, orderId, paymentId }, "payment compensation failed; retrying with back-off");
  }

  private async compensate(orderId: string, paymentId: string): Promise<void> {
    // Only an order still waiting on this very payment: the user may have paid again since the decline.
    const { state } = await loadOrder(this.deps.store, orderId);
    if (state.status !== "PENDING_PAYMENT" || state.payment?.paymentId !== paymentId || state.payment.status !== "FAILED") return;
    try {
      await cancelOrder(this.deps, orderId, "PAYMENT_FAILED", systemContext("payment-compensation"), undefined, paymentId);
      this.onCancelled();
      this.logger.info({ orderId, paymentId }, "order cancelled after its card payment failed");
    } catch (err) {
      // Ended meanwhile (expired, cancelled): nothing left to compensate; its stock and coupon came back with that end.
      if (err instanceof AppError && err.code === "INVALID_STATE") return;
      // The sale is gone from the store (the order is cancelled, there is no stock to return).
      if (err instanceof AppError && err.code === "NOT_FOUND") {
        this.logger.warn({ orderId, paymentId }, "failed payment of an order of an unknown sale; nothing to release");
        return;
      }
      throw err;
    }
  }
}
