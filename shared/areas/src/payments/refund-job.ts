import { applyOrderCommand } from "./pay.js";
import { loadOrder } from "../orders/place.js";
import { needsCardRefund } from "../orders/order.js";
import { OrderCancelled, OrderExpired, PaymentSucceeded } from "../orders/events.js";
import { parseEvent } from "@surge/platform/events/event-type";
import { readCheckpoint } from "@surge/platform/db/checkpoints";
import { systemContext } from "@surge/platform/command/context";
import { type Db } from "@surge/platform/db/database";
import { type EventStore, type StoredEvent } from "@surge/platform/eventstore/types";
import { type GatewayClient } from "./gateway-client.js";
import { type Logger } from "pino";
import { inChunks, saveCheckpoint } from "@surge/platform/process/checkpoint";
import type { TailHandler } from "@surge/platform/process/log-tail";
import type { RetryBook } from "./retries.js";

export const REFUND_CHECKPOINT = "payment-refunds";
/** After these an order may hold a card payment it must give back. */
const TRIGGERS = [PaymentSucceeded, OrderCancelled, OrderExpired] as const;
const PARALLEL = 8;

/**
 * Process manager: a successful card payment that the order did not keep (a success that arrived
 * after the order expired or was cancelled, or a paid order cancelled later) is refunded through
 * the gateway, then PaymentRefunded is recorded. The gateway's refund is idempotent (refunding a
 * REFUNDED transaction answers REFUNDED), and RecordRefund decides nothing once recorded, so a
 * repeat after a crash between the two is harmless. A refund that fails is booked in its RetryBook
 * (retried with back-off, dead-lettered after a limit) and the checkpoint moves on, so one refund
 * the gateway keeps refusing never holds the others back. Only a failure to book it fails the
 * batch (retried; the checkpoint waits). Points refunds are not here: cancelOrder makes them in
 * the same append as the cancel.
 */
export class RefundProcess implements TailHandler {
  readonly name = REFUND_CHECKPOINT;

  constructor(
    private readonly db: Db,
    private readonly store: EventStore,
    private readonly gateway: Pick<GatewayClient, "refund" | "findByOrder">,
    private readonly logger: Logger,
    private readonly retries: RetryBook,
    private readonly onRefunded: () => void = () => undefined,
  ) {}

  start(): Promise<number> {
    return readCheckpoint(this.db, REFUND_CHECKPOINT);
  }

  async handle(events: StoredEvent[]): Promise<void> {
    const orders = new Set<string>();
    for (const raw of events) {
      const e = parseEvent(TRIGGERS, raw);
      if (e) orders.add(e.data.orderId);
    }
    await inChunks([...orders], PARALLEL, async (orderId) => {
      try {
        await this.refundIfNeeded(orderId);
      } catch (err) {
        await this.retryLater(orderId, err);
      }
    });
    const last = events.at(-1);
    if (last) await saveCheckpoint(this.db, REFUND_CHECKPOINT, last.position);
  }

  /** One round of the refunds that failed before and whose back-off is over. */
  retryDue(now = new Date()): Promise<void> {
    return this.retries.runDue(
      now,
      PARALLEL,
      (orderId) => this.refundIfNeeded(orderId),
      (...failure) => this.logFailure(...failure),
    );
  }

  private async retryLater(orderId: string, err: unknown): Promise<void> {
    const { state } = await loadOrder(this.store, orderId);
    const paymentId = state.status !== "absent" && state.payment ? state.payment.paymentId : "";
    this.logFailure(orderId, paymentId, err, await this.retries.failed(orderId, paymentId, err, new Date()));
  }

  private logFailure(orderId: string, paymentId: string, err: unknown, verdict: "retry" | "dead"): void {
    if (verdict === "dead") this.logger.error({ err, orderId, paymentId }, "card refund dead-lettered; `npm run batch -- dead-letters retry` once fixed");
    else this.logger.warn({ err, orderId, paymentId }, "card refund failed; retrying with back-off");
  }

  private async refundIfNeeded(orderId: string): Promise<void> {
    const { state } = await loadOrder(this.store, orderId);
    if (!needsCardRefund(state) || state.status === "absent" || !state.payment) return;
    const { paymentId, amount } = state.payment;
    const transactionKey = state.payment.transactionKey ?? (await this.transactionKeyOf(orderId, paymentId, amount));
    await this.gateway.refund(transactionKey);
    const ctx = systemContext("refund");
    const { changed } = await applyOrderCommand({ store: this.store }, orderId, { type: "RecordRefund", paymentId, now: ctx.now }, ctx);
    if (changed) {
      this.onRefunded();
      this.logger.info({ orderId, paymentId, amount, orderStatus: state.status }, "card payment refunded");
    }
  }

  /** A success recorded without its transaction key (not expected from the gateway, but the event allows it). */
  private async transactionKeyOf(orderId: string, paymentId: string, amount: number): Promise<string> {
    const item = (await this.gateway.findByOrder(orderId)).find((p) => p.paymentId === paymentId);
    if (!item) throw new Error(`the gateway does not know payment ${paymentId} of order ${orderId}; cannot refund it`);
    // Not the payment that succeeded here: refunding that transaction would give back someone else's money.
    if (item.amount !== amount) throw new Error(`the gateway reports amount ${item.amount} for payment ${paymentId}, not ${amount}; not refunding it`);
    return item.transactionKey;
  }
}
