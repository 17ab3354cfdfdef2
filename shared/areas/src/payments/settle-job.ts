import { applyOrderCommand } from "./pay.js";
import { isBreakerOpen, type GatewayClient } from "./gateway-client.js";
import { loadOrder } from "../orders/place.js";
import { outcomeOf } from "./outcome.js";
import { parseEvent } from "@surge/platform/events/event-type";
import { PaymentFailed, PaymentRequested, PaymentSubmitted, PaymentSucceeded } from "../orders/events.js";
import { AppError } from "@surge/platform/errors";
import { SUBMIT_FOR_MS } from "./submitter.js";
import { systemContext } from "@surge/platform/command/context";
import { type EventStore, type StoredEvent } from "@surge/platform/eventstore/types";
import { type Logger } from "pino";
import type { RedisLocks } from "@surge/platform/redis/lock";
import type { TailHandler } from "@surge/platform/process/log-tail";

const TRACKED = [PaymentRequested, PaymentSubmitted, PaymentSucceeded, PaymentFailed] as const;
/** A callback normally arrives within seconds; only payments pending longer are asked about. */
export const SETTLE_AFTER_MS = 5_000;
/** A payment the gateway never received is forgotten this long after its order's payment window ended (the submitter has given up by then). */
const FORGET_UNKNOWN_AFTER_MS = 60_000;
/**
 * A payment the gateway does not know and never accepted (no PaymentSubmitted), this long after it
 * was requested, was lost with its submitter (a crash; the card number died with it): it is
 * released as failed, and the order compensated, instead of blocking the order until it expires.
 * Twice the submitter's longest retry, so no live submitter still holds it.
 */
export const RELEASE_UNSUBMITTED_AFTER_MS = 2 * SUBMIT_FOR_MS;
/** Gateway look-ups in flight at once, and per round (oldest first), so a backlog after an outage drains without a storm. */
const PARALLEL = 8;
const MAX_PER_ROUND = 500;
const LOCK_TTL_MS = 60_000;

interface Pending {
  orderId: string;
  requestedAt: number;
  /** The gateway's acceptance is recorded (PaymentSubmitted). */
  submitted: boolean;
}

export interface SettleHooks {
  onSettled?: (outcome: "SUCCESS" | "DECLINED") => void;
  onLookupFailed?: (count: number) => void;
  /** A status that names another amount or transaction key than the submitted payment's: not applied. */
  onMismatch?: () => void;
  /** A lost submission released as failed. */
  onReleased?: () => void;
}

/**
 * Reconciliation: settles card payments whose callback never came (lost, or the gateway was slow
 * or down). An in-memory index of PENDING card payments is rebuilt from the log at start (like
 * the expiry job's); every round, under a Redis lock so two batch processes do not both ask,
 * each payment pending longer than a few seconds is looked up at the gateway, and a final status
 * becomes SettlePayment. The decider makes a settle that races the callback, or repeats it,
 * decide nothing; what follows (paid, compensated, refunded) is the other process managers' work.
 * It is also the recovery pass for submissions lost in a crash (at start, once caught up, and every
 * round): asked by payment id, the gateway either has it (its key is recorded) or not (released).
 * A status whose amount or transaction key is not the submitted payment's is logged, not applied.
 */
export class PaymentSettler implements TailHandler {
  readonly name = "payment-settle";
  /** paymentId → the pending card payment. */
  private readonly pending = new Map<string, Pending>();
  private caughtUp = false;

  constructor(
    private readonly store: EventStore,
    private readonly gateway: Pick<GatewayClient, "findByOrder">,
    private readonly locks: RedisLocks,
    private readonly logger: Logger,
    private readonly hooks: SettleHooks = {},
  ) {}

  /** In-memory state: rebuilt from the start of the log on every start. */
  start(): Promise<number> {
    return Promise.resolve(0);
  }

  handle(events: StoredEvent[], caughtUp: boolean): Promise<void> {
    for (const raw of events) {
      const e = parseEvent(TRACKED, raw);
      if (e?.type === "PaymentRequested") {
        if (e.data.method === "CARD") this.pending.set(e.data.paymentId, { orderId: e.data.orderId, requestedAt: raw.occurredAt.getTime(), submitted: false });
      } else if (e?.type === "PaymentSubmitted") {
        const p = this.pending.get(e.data.paymentId);
        if (p) p.submitted = true;
      } else if (e) {
        this.pending.delete(e.data.paymentId);
      }
    }
    if (caughtUp) this.caughtUp = true;
    return Promise.resolve();
  }

  pendingCount(): number {
    return this.pending.size;
  }

  /**
   * One round. A look-up that fails leaves its payment pending for the next round (nothing is
   * lost, so the round goes on with the others and keeps its cadence); failures are counted.
   */
  async tick(now = Date.now()): Promise<void> {
    // Half a replayed log would ask about payments settled further on.
    if (!this.caughtUp) return;
    const due = [...this.pending]
      .filter(([, p]) => now - p.requestedAt >= SETTLE_AFTER_MS)
      .sort(([, a], [, b]) => a.requestedAt - b.requestedAt)
      .slice(0, MAX_PER_ROUND);
    if (due.length === 0) return;
    await this.locks.run("payment-settle", LOCK_TTL_MS, async () => {
      const errors: unknown[] = [];
      for (let i = 0; i < due.length; i += PARALLEL) {
        const chunk = due.slice(i, i + PARALLEL);
        await Promise.all(chunk.map(([paymentId, p]) => this.settle(paymentId, p, now).catch((err: unknown) => void errors.push(err))));
        // The gateway is away: the rest would fail fast too; the next round asks again.
        if (errors.some(isBreakerOpen)) break;
      }
      if (errors.length > 0) {
        this.hooks.onLookupFailed?.(errors.length);
        this.logger.warn(
          { err: errors.at(-1), failed: errors.length, due: due.length },
          "some pending card payments could not be checked; asking again next round",
        );
      }
    });
  }

  private async settle(paymentId: string, p: Pending, now: number): Promise<void> {
    const item = (await this.gateway.findByOrder(p.orderId)).find((i) => i.paymentId === paymentId);
    if (!item) return this.unknownAtGateway(paymentId, p, now);
    const outcome = outcomeOf(item);
    const report = { transactionKey: item.transactionKey, amount: item.amount };
    const ctx = systemContext("payment-settle");
    try {
      if (!outcome) {
        // Accepted but not final yet: its key is recorded (if the submitter could not), so it is never released.
        if (!p.submitted) await applyOrderCommand({ store: this.store }, p.orderId, { type: "RecordSubmission", paymentId, report, now: ctx.now }, ctx);
        return;
      }
      const { state, changed } = await applyOrderCommand(
        { store: this.store },
        p.orderId,
        { type: "SettlePayment", paymentId, outcome, report, now: ctx.now },
        ctx,
      );
      if (changed) {
        this.hooks.onSettled?.(outcome.status);
        this.logger.info({ orderId: p.orderId, paymentId, outcome: outcome.status }, "card payment settled from the gateway's status");
      }
      // Final now, whoever settled it; the log will say so too.
      if (state.payment?.paymentId !== paymentId || state.payment.status !== "PENDING") this.pending.delete(paymentId);
    } catch (err) {
      if (!(err instanceof AppError && err.code === "PAYMENT_MISMATCH")) throw err;
      // Not this payment's status: nothing is applied, and asking again would only repeat it; someone must look.
      this.pending.delete(paymentId);
      this.hooks.onMismatch?.();
      this.logger.error(
        { orderId: p.orderId, paymentId, transactionKey: item.transactionKey, amount: item.amount, status: item.status, reason: err.message },
        "gateway status refused: it is not the submitted payment",
      );
    }
  }

  /**
   * The gateway has no such payment. Never accepted and older than RELEASE_UNSUBMITTED_AFTER_MS:
   * lost with its submitter, so it is released. Otherwise the submitter may still be retrying, or
   * the gateway lost it after accepting: once the order's payment window is long past, stop asking;
   * the payment stays PENDING on its ended order.
   */
  private async unknownAtGateway(paymentId: string, p: Pending, now: number): Promise<void> {
    if (!p.submitted && now - p.requestedAt >= RELEASE_UNSUBMITTED_AFTER_MS) {
      const ctx = systemContext("payment-settle");
      const { changed } = await applyOrderCommand({ store: this.store }, p.orderId, { type: "ReleasePayment", paymentId, now: ctx.now }, ctx);
      this.pending.delete(paymentId);
      if (changed) {
        this.hooks.onReleased?.();
        this.logger.warn({ orderId: p.orderId, paymentId }, "card payment never reached the gateway (submission lost); released as failed");
      }
      return;
    }
    const { state } = await loadOrder(this.store, p.orderId);
    const stillPending = state.status !== "absent" && state.payment?.paymentId === paymentId && state.payment.status === "PENDING";
    if (stillPending && Date.parse(state.order.expiresAt) + FORGET_UNKNOWN_AFTER_MS > now) return;
    this.pending.delete(paymentId);
    if (stillPending) this.logger.warn({ orderId: p.orderId, paymentId }, "the gateway never received this card payment; no longer asking about it");
  }
}
