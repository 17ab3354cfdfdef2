import { z } from "zod";
import { productionSecrets } from "@surge/areas/production-secrets";
import { baseEnvSchema, parseEnv, portSchema } from "@surge/platform/config";
import { webhookEnvShape } from "@surge/areas/notifications/config";

const ms = (fallback: number) => z.coerce.number().int().min(1).default(fallback);
const seconds = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

const schema = baseEnvSchema.extend({
  /** Serves /health, /ready and /metrics only. */
  BATCH_PORT: portSchema(3004),
  /** Pause between polls of the event store log when it has nothing new. */
  BATCH_TAIL_IDLE_MS: ms(250),
  /** How often the scheduler re-checks every known event for a transition it missed. */
  SCHEDULER_SWEEP_INTERVAL_S: seconds(30),
  /** How often unpaid orders past their expiresAt are expired. */
  ORDER_EXPIRY_INTERVAL_MS: ms(1000),
  /** The card gateway: refunds, and the status look-ups of the settle job. */
  PG_BASE_URL: z.string().url().default("http://127.0.0.1:3002"),
  /** Per gateway call; failed calls are retried a few times, and a circuit breaker stops calling a gateway that keeps failing. */
  PG_TIMEOUT_MS: ms(2_000),
  /** How often card payments pending for more than a few seconds are settled from the gateway's status. */
  PAYMENT_SETTLE_INTERVAL_S: seconds(30),
  /** How often failed card refunds and payment compensations whose back-off is over are retried. */
  PAYMENT_RETRY_INTERVAL_S: seconds(10),
  /** Back-off of a failed refund or compensation: this after the first failure, doubling up to an hour. */
  PAYMENT_RETRY_BASE_S: seconds(30),
  /** Failures after which a refund or compensation is dead-lettered (`npm run batch -- dead-letters`). */
  PAYMENT_RETRY_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(8),
  /** Cron (read in BUSINESS_TZ) of the nightly check that weekly/monthly metrics equal their daily sums; "off" disables it. */
  RANKINGS_VERIFY_CRON: z.string().default("10 0 * * *"),
  /** Cron (read in BUSINESS_TZ) of the nightly top-100 snapshots, after the check has repaired; "off" disables it. */
  RANKINGS_SNAPSHOT_CRON: z.string().default("20 0 * * *"),
  /**
   * `npm run audit`: HMAC-SHA256 key of the chain checkpoints. Keep it where database credentials
   * do not reach: whoever holds both can forge a checkpoint for a rewritten chain.
   */
  AUDIT_CHECKPOINT_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  /** `npm run audit -- checkpoint`: append-only JSON-lines file the checkpoints go to (default for --file). */
  AUDIT_CHECKPOINT_FILE: z.string().optional(),
  /** `npm run audit -- checkpoint`: URL each checkpoint is POSTed to as JSON (default for --url). */
  AUDIT_CHECKPOINT_URL: z.string().url().optional(),
  ...webhookEnvShape,
  /** Per webhook request: a receiver that has not answered by then counts as a failed attempt. */
  WEBHOOK_TIMEOUT_MS: ms(5_000),
  /** How often the webhook deliverer and the email sender look for work when they have none. */
  NOTIFICATIONS_POLL_MS: ms(250),
  /**
   * The notifications lease: one batch process sends webhooks and email at a time; a standby takes
   * over this long after the sender died (a clean stop frees it at once).
   */
  NOTIFICATIONS_LEASE_TTL_MS: ms(10_000),
  /** `smtp://user:pass@host:587` or `smtps://…`: with it set, users with a contact address get email. */
  SMTP_URL: z.string().url().optional(),
  /** The From of notification emails. */
  EMAIL_FROM: z.string().min(3).default("Surge <no-reply@surge.local>"),
});

export type BatchEnv = z.infer<typeof schema>;

/** The only reader of process.env in batch; `overrides` win (tests). */
export function readEnv(overrides: Record<string, string | undefined> = {}): BatchEnv {
  return parseEnv(schema, { ...process.env, ...overrides }, { productionSecrets });
}
