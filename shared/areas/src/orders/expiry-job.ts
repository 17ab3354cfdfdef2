import { endOrder } from "./place.js";
import { OrderPlaced } from "./events.js";
import { parseEvent } from "@surge/platform/events/event-type";
import { systemContext } from "@surge/platform/command/context";
import { type Logger } from "pino";
import { type SaleDeps } from "../sales/schedule.js";
import { type StoredEvent } from "@surge/platform/eventstore/types";
import { backoffMs } from "@surge/platform/backoff";
import type { RedisLocks } from "@surge/platform/redis/lock";
import type { TailHandler } from "@surge/platform/process/log-tail";

/** Events after which an order is no longer waiting for payment (OrderPaid arrives with payments). */
const ENDING = new Set(["OrderCancelled", "OrderExpired", "OrderPaid"]);
/** Orders expired in parallel per round: enough to drain a flash sale's backlog, few enough for the pool. */
const PARALLEL = 16;

/**
 * Expires unpaid orders past expiresAt. The store is the truth, but scanning it every second
 * would be wasteful, so the due orders come from an in-memory index of pending orders built by
 * tailing the log from position 0 at start. That replay grows with the log; at this scale it
 * takes moments, and it needs no table of its own (a read model could serve it once the log is
 * large, at the price of its lag). Every expiry goes through endOrder, which decides on the
 * stream itself, so a stale index entry (paid, cancelled, already expired) changes nothing.
 */
export class OrderExpiry implements TailHandler {
  readonly name = "order-expiry";
  /** orderId → expiresAt (epoch ms). */
  private readonly pending = new Map<string, number>();
  /** Orders whose expiry failed, and when to try again. */
  private readonly retryAt = new Map<string, { at: number; failures: number }>();

  constructor(
    private readonly deps: SaleDeps,
    private readonly locks: RedisLocks,
    private readonly logger: Logger,
    private readonly onExpired: () => void = () => undefined,
  ) {}

  start(): Promise<number> {
    return Promise.resolve(0);
  }

  handle(events: StoredEvent[]): Promise<void> {
    for (const raw of events) {
      if (raw.type === OrderPlaced.type) {
        const e = parseEvent([OrderPlaced], raw)!;
        this.pending.set(e.data.orderId, Date.parse(e.data.expiresAt));
      } else if (ENDING.has(raw.type)) {
        const orderId = (raw.data as { orderId?: unknown }).orderId;
        if (typeof orderId === "string") this.forget(orderId);
      }
    }
    return Promise.resolve();
  }

  pendingCount(): number {
    return this.pending.size;
  }

  /** One round: expire every due order. Held under a lock so two batch processes do not both do it. */
  async tick(now = new Date()): Promise<void> {
    const due = [...this.pending].filter(([id, at]) => at <= now.getTime() && (this.retryAt.get(id)?.at ?? 0) <= now.getTime()).map(([id]) => id);
    if (due.length === 0) return;
    await this.locks.run("order-expiry", 30_000, async () => {
      for (let i = 0; i < due.length; i += PARALLEL) await Promise.all(due.slice(i, i + PARALLEL).map((id) => this.expire(id)));
    });
  }

  private async expire(orderId: string): Promise<void> {
    const ctx = systemContext("expiry");
    try {
      const { state, position } = await endOrder(this.deps, orderId, { type: "ExpireOrder", now: ctx.now }, ctx);
      if (position !== null) this.onExpired();
      if (state.status !== "PENDING_PAYMENT") this.forget(orderId);
    } catch (err) {
      const failures = (this.retryAt.get(orderId)?.failures ?? 0) + 1;
      this.retryAt.set(orderId, { at: Date.now() + backoffMs(failures), failures });
      this.logger.error({ err, orderId, failures }, "order expiry failed; retrying");
    }
  }

  private forget(orderId: string): void {
    this.pending.delete(orderId);
    this.retryAt.delete(orderId);
  }
}
