import { applyOrderCommand } from "./pay.js";
import { isBreakerOpen, type GatewayClient } from "./gateway-client.js";
import { loadOrder } from "../orders/place.js";
import { outcomeOf } from "./outcome.js";
import { parseEvent } from "@surge/platform/events/event-type";
import { PaymentFailed, PaymentRequested, PaymentSucceeded } from "../orders/events.js";
import { systemContext } from "@surge/platform/command/context";
import { type EventStore, type StoredEvent } from "@surge/platform/eventstore/types";
import { type Logger } from "pino";
import type { RedisLocks } from "@surge/platform/redis/lock";
import type { TailHandler } from "@surge/platform/process/log-tail";

const TRACKED = [PaymentRequested, PaymentSucceeded, PaymentFailed] as const;
/** A callback normally arrives within seconds; only payments pending longer are asked about. */
export const SETTLE_AFTER_MS = 5_000;
/** A payment the gateway never received is forgotten this long after its order's payment window ended (the submitter has given up by then). */
const FORGET_UNKNOWN_AFTER_MS = 60_000;
/** Gateway look-ups in flight at once, and per round (oldest first), so a backlog after an outage drains without a storm. */
const PARALLEL = 8;
const MAX_PER_ROUND = 500;
const LOCK_TTL_MS = 60_000;

interface Pending {
  orderId: string;
  requestedAt: number;
}

export interface SettleHooks {
  onSettled?: (outcome: "SUCCESS" | "DECLINED") => void;
  onLookupFailed?: (count: number) => void;
}

/**
 * Reconciliation: settles card payments whose callback never came (lost, or the gateway was slow
 * or down). An in-memory index of PENDING card payments is rebuilt from the log at start (like
 * the expiry job's); every round, under a Redis lock so two batch processes do not both ask,
 * each payment pending longer than a few seconds is looked up at the gateway, and a final status
 * becomes SettlePayment. The decider makes a settle that races the callback, or repeats it,
 * decide nothing; what follows (paid, compensated, refunded) is the other process managers' work.
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
        if (e.data.method === "CARD") this.pending.set(e.data.paymentId, { orderId: e.data.orderId, requestedAt: raw.occurredAt.getTime() });
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
        await Promise.all(chunk.map(([paymentId, p]) => this.settle(paymentId, p).catch((err: unknown) => void errors.push(err))));
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

  private async settle(paymentId: string, p: Pending): Promise<void> {
    const item = (await this.gateway.findByOrder(p.orderId)).find((i) => i.paymentId === paymentId);
    if (!item) return this.unknownAtGateway(paymentId, p);
    const outcome = outcomeOf(item);
    if (!outcome) return;
    const ctx = systemContext("payment-settle");
    const { state, changed } = await applyOrderCommand({ store: this.store }, p.orderId, { type: "SettlePayment", paymentId, outcome, now: ctx.now }, ctx);
    if (changed) {
      this.hooks.onSettled?.(outcome.status);
      this.logger.info({ orderId: p.orderId, paymentId, outcome: outcome.status }, "card payment settled from the gateway's status");
    }
    // Final now, whoever settled it; the log will say so too.
    if (state.payment?.paymentId !== paymentId || state.payment.status !== "PENDING") this.pending.delete(paymentId);
  }

  /**
   * The gateway has no such payment: the submitter is still retrying, or it died or gave up before
   * the gateway accepted (no charge was made). Once the order's payment window is long past, stop
   * asking; the payment stays PENDING on its ended order.
   */
  private async unknownAtGateway(paymentId: string, p: Pending): Promise<void> {
    const { state } = await loadOrder(this.store, p.orderId);
    const stillPending = state.status !== "absent" && state.payment?.paymentId === paymentId && state.payment.status === "PENDING";
    if (stillPending && Date.parse(state.order.expiresAt) + FORGET_UNKNOWN_AFTER_MS > Date.now()) return;
    this.pending.delete(paymentId);
    if (stillPending) this.logger.warn({ orderId: p.orderId, paymentId }, "the gateway never received this card payment; no longer asking about it");
  }
}
