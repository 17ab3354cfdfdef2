import type { Db } from "@surge/platform/db/database";
import type { Selectable } from "kysely";
import type { PaymentRetriesTable } from "./tables.js";
import { isBreakerOpen } from "./gateway-client.js";
import { inChunks } from "@surge/platform/process/checkpoint";
import { backoffMs } from "@surge/platform/backoff";

export type PaymentRetry = Selectable<PaymentRetriesTable>;

export interface RetryPolicy {
  /** Wait after the first failure; doubles with every further one, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Failures after which the work is dead-lettered. */
  maxAttempts: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { baseDelayMs: 30_000, maxDelayMs: 3_600_000, maxAttempts: 8 };

export interface RetryHooks {
  onRetryScheduled?: () => void;
  onDeadLettered?: () => void;
}

/** The wait before the next attempt after `attempts` failures. */
export const retryDelayMs = (attempts: number, p: RetryPolicy) => backoffMs(attempts, p.baseDelayMs, p.maxDelayMs);

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 1000);

/**
 * The failures of one process manager, each retried on its own with exponential back-off and
 * dead-lettered after maxAttempts, so one order that keeps failing never holds the log tail (and
 * every order after it) back. A failure while the gateway's breaker is open is not the order's
 * fault and costs no attempt.
 */
export class RetryBook {
  constructor(
    private readonly db: Db,
    readonly job: string,
    private readonly policy: RetryPolicy = DEFAULT_RETRY_POLICY,
    private readonly hooks: RetryHooks = {},
  ) {}

  async failed(orderId: string, paymentId: string, err: unknown, now: Date): Promise<"retry" | "dead"> {
    const row = await this.db
      .selectFrom("payment_retries")
      .select(["attempts", "dead_at"])
      .where("job", "=", this.job)
      .where("order_id", "=", orderId)
      .executeTakeFirst();
    const attempts = (row?.attempts ?? 0) + (isBreakerOpen(err) ? 0 : 1);
    const dead = attempts >= this.policy.maxAttempts;
    const values = {
      payment_id: paymentId,
      attempts,
      next_attempt_at: new Date(now.getTime() + retryDelayMs(Math.max(attempts, 1), this.policy)),
      last_error: errorText(err),
      dead_at: dead ? now : null,
      updated_at: now,
    };
    await this.db
      .insertInto("payment_retries")
      .values({ job: this.job, order_id: orderId, created_at: now, ...values })
      .onDuplicateKeyUpdate(values)
      .execute();
    if (dead) this.hooks.onDeadLettered?.();
    else this.hooks.onRetryScheduled?.();
    return dead ? "dead" : "retry";
  }

  async succeeded(orderId: string): Promise<void> {
    await this.db.deleteFrom("payment_retries").where("job", "=", this.job).where("order_id", "=", orderId).execute();
  }

  /** Live (not dead) retries whose time has come, oldest first. */
  due(now: Date, limit = 100): Promise<PaymentRetry[]> {
    return this.db
      .selectFrom("payment_retries")
      .selectAll()
      .where("job", "=", this.job)
      .where("dead_at", "is", null)
      .where("next_attempt_at", "<=", now)
      .orderBy("next_attempt_at")
      .limit(limit)
      .execute();
  }

  /** Runs every due retry, `parallel` at a time; each success clears its row, each failure books the next attempt. */
  async runDue(
    now: Date,
    parallel: number,
    work: (orderId: string, paymentId: string) => Promise<void>,
    onFailed: (orderId: string, paymentId: string, err: unknown, verdict: "retry" | "dead") => void,
  ): Promise<void> {
    await inChunks(await this.due(now), parallel, async (r) => {
      try {
        await work(r.order_id, r.payment_id);
        await this.succeeded(r.order_id);
      } catch (err) {
        onFailed(r.order_id, r.payment_id, err, await this.failed(r.order_id, r.payment_id, err, now));
      }
    });
  }
}

/** Dead letters of every payment job (or one), oldest first: `npm run batch -- dead-letters list`. */
export function deadLetters(db: Db, job?: string): Promise<PaymentRetry[]> {
  let q = db.selectFrom("payment_retries").selectAll().where("dead_at", "is not", null);
  if (job) q = q.where("job", "=", job);
  return q.orderBy("dead_at").execute();
}

/**
 * Puts dead letters back in the queue with fresh attempts, due at once (`npm run batch -- dead-letters
 * retry`); the running batch takes them on its next retry round. Returns how many.
 */
export async function requeueDeadLetters(db: Db, filter: { job?: string; orderId?: string }, now: Date): Promise<number> {
  let q = db.updateTable("payment_retries").set({ dead_at: null, attempts: 0, next_attempt_at: now, updated_at: now }).where("dead_at", "is not", null);
  if (filter.job) q = q.where("job", "=", filter.job);
  if (filter.orderId) q = q.where("order_id", "=", filter.orderId);
  const result = await q.executeTakeFirst();
  return Number(result.numUpdatedRows);
}
