import type { Logger } from "pino";
import type { Db } from "@surge/platform/db/database";
import { PollingLoop } from "@surge/platform/lifecycle";
import { afterAttempt, type AttemptOutcome } from "./retry.js";
import { signatureHeader } from "./signature.js";
import { refusedAtDelivery } from "./url-policy.js";
import type { WebhookDeliveriesTable } from "./tables.js";

export interface DelivererOptions {
  /** How often webhooks without a running worker are looked at. */
  pollMs: number;
  /** Per request: a receiver that has not answered by then counts as a failed attempt. */
  timeoutMs: number;
  allowInsecure: boolean;
  /** The clock of retry decisions and signatures (tests move it). */
  now?: () => Date;
  onOutcome?: (outcome: "delivered" | "retry" | "failed") => void;
  /**
   * Whether this process may send now (it holds the notifications lease). Two senders would both
   * send every delivery and could interleave one webhook's order; absent, this one always may.
   */
  mayRun?: () => boolean;
}

interface Target {
  webhook_id: string;
  url: string;
  secret: string;
}

/** Deliveries read per round trip of a worker. */
const PAGE = 50;

/**
 * Sends the recorded deliveries. Each webhook has its own worker, so a slow or dead receiver only
 * ever holds back its own deliveries. A worker sends its webhook's deliveries one at a time in
 * log order and stops at the first that is not due or fails: a later event of the same order,
 * coupon or claim never overtakes an earlier one. A crash after a send and before its row is
 * marked sends it again with the same id; receivers deduplicate by it.
 */
export class WebhookDeliverer extends PollingLoop {
  private readonly workers = new Map<string, Promise<void>>();
  private readonly abort = new AbortController();
  private readonly now: () => Date;
  private readonly mayRun: () => boolean;

  constructor(
    private readonly db: Db,
    private readonly options: DelivererOptions,
    private readonly logger: Logger,
  ) {
    super();
    this.now = options.now ?? (() => new Date());
    this.mayRun = options.mayRun ?? (() => true);
  }

  override async stop(): Promise<void> {
    // A request in flight is abandoned, not counted: its delivery stays PENDING and goes out after the restart.
    this.abort.abort();
    await super.stop();
    await Promise.all(this.workers.values());
  }

  /** Age in seconds of the oldest delivery still PENDING, 0 when none. */
  async oldestPendingSeconds(): Promise<number> {
    // Joined with the webhooks: a delivery recorded while its webhook was being deleted is never sent and must not age here.
    const row = await this.db
      .selectFrom("webhook_deliveries")
      .innerJoin("webhooks", "webhooks.webhook_id", "webhook_deliveries.webhook_id")
      .select((eb) => eb.fn.min("webhook_deliveries.created_at").as("oldest"))
      .where("status", "=", "PENDING")
      .executeTakeFirst();
    const oldest = row?.oldest ? new Date(row.oldest).getTime() : null;
    return oldest === null ? 0 : Math.max(0, (this.now().getTime() - oldest) / 1000);
  }

  protected async run(): Promise<void> {
    while (!this.stopping) {
      try {
        const targets = this.mayRun() ? await this.db.selectFrom("webhooks").select(["webhook_id", "url", "secret"]).execute() : [];
        for (const t of targets) {
          if (this.workers.has(t.webhook_id)) continue;
          const worker = this.drain(t)
            .catch((err: unknown) => this.logger.error({ err, webhookId: t.webhook_id }, "webhook worker failed; it starts again on the next poll"))
            .finally(() => this.workers.delete(t.webhook_id));
          this.workers.set(t.webhook_id, worker);
        }
      } catch (err) {
        this.logger.error({ err }, "reading the webhooks failed; retrying");
      }
      await this.sleep(this.options.pollMs);
    }
  }

  private async drain(target: Target): Promise<void> {
    while (!this.stopping) {
      const rows = await this.db
        .selectFrom("webhook_deliveries")
        .selectAll()
        .where("webhook_id", "=", target.webhook_id)
        .where("status", "=", "PENDING")
        .orderBy("position")
        .limit(PAGE)
        .execute();
      if (rows.length === 0) return;
      for (const row of rows) {
        if (this.stopping || !this.mayRun() || row.next_attempt_at.getTime() > this.now().getTime()) return;
        const outcome = await this.attempt(target, row);
        if (this.stopping) return;
        if (!(await this.record(row, outcome))) return;
      }
    }
  }

  private async attempt(target: Target, row: WebhookDeliveriesTable): Promise<AttemptOutcome> {
    try {
      const refused = await refusedAtDelivery(target.url, this.options.allowInsecure);
      if (refused) return { ok: false, error: `url ${refused}` };
      const res = await fetch(target.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "Surge-Webhooks/1",
          "surge-webhook-id": target.webhook_id,
          "surge-delivery-id": row.delivery_id,
          "surge-signature": signatureHeader(target.secret, row.body, Math.floor(this.now().getTime() / 1000)),
        },
        body: row.body,
        // A redirect is a failure: following it could lead the deliverer anywhere, past the URL checks.
        redirect: "manual",
        signal: AbortSignal.any([AbortSignal.timeout(this.options.timeoutMs), this.abort.signal]),
      });
      await res.body?.cancel().catch(() => undefined);
      return res.status >= 200 && res.status < 300 ? { ok: true } : { ok: false, error: `HTTP ${res.status}` };
    } catch (err) {
      return { ok: false, error: errorText(err) };
    }
  }

  /** Writes the attempt's outcome; true when the worker may go on to the next delivery. */
  private async record(row: WebhookDeliveriesTable, outcome: AttemptOutcome): Promise<boolean> {
    const now = this.now();
    const next = afterAttempt({ attempts: row.attempts, pendingSince: row.pending_since }, outcome, now);
    await this.db
      .updateTable("webhook_deliveries")
      .set({
        status: next.status,
        attempts: next.attempts,
        last_attempt_at: now,
        last_error: next.status === "DELIVERED" ? null : next.error.slice(0, 500),
        ...(next.status === "PENDING" ? { next_attempt_at: next.nextAttemptAt } : {}),
      })
      // An admin retry in between restarted the count: this attempt's outcome must not overwrite it.
      .where("delivery_id", "=", row.delivery_id)
      .where("attempts", "=", row.attempts)
      .where("status", "=", "PENDING")
      .execute();
    this.options.onOutcome?.(next.status === "DELIVERED" ? "delivered" : next.status === "FAILED" ? "failed" : "retry");
    if (next.status === "PENDING")
      this.logger.warn(
        { deliveryId: row.delivery_id, webhookId: row.webhook_id, error: next.error, attempts: next.attempts },
        "webhook delivery failed; retrying",
      );
    if (next.status === "FAILED")
      this.logger.error({ deliveryId: row.delivery_id, webhookId: row.webhook_id, error: next.error }, "webhook delivery FAILED after 24 h");
    // FAILED gives up on this one; the ones after it are free to go (it can be retried by hand).
    return next.status !== "PENDING";
  }
}

function errorText(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : "";
    return `${err.name === "TimeoutError" ? "timed out" : err.message}${cause}`;
  }
  return String(err);
}
