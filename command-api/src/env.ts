import { z } from "zod";
import { productionSecrets } from "@surge/areas/production-secrets";
import { baseEnvSchema, corsEnvSchema, jwtEnvSchema, parseEnv, portSchema } from "@surge/platform/config";
import { DEV_PG_WEBHOOK_SECRET } from "@surge/areas/payments/signature";
import { webhookEnvShape } from "@surge/areas/notifications/config";

/** Published, so refused in production: with it anyone could fingerprint guessed card numbers against kept request hashes. */
export const DEV_IDEMPOTENCY_SECRET = "surge-dev-idempotency-secret-0123456789";

const ms = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

const schema = baseEnvSchema
  .extend(jwtEnvSchema.shape)
  .extend(corsEnvSchema.shape)
  .extend({
    COMMAND_API_PORT: portSchema(3000),
    /** A guard reservation with no event behind it is returned to sale after this long. */
    GUARD_RESERVATION_TTL_MS: ms(30_000),
    /** An append not written this long after its reservation is dropped, so the sweeper can trust the store. */
    GUARD_APPEND_DEADLINE_MS: ms(10_000),
    GUARD_SWEEP_INTERVAL_MS: ms(10_000),
    ORDER_PAYMENT_TTL_S: z.coerce.number().int().min(1).default(600),
    RATE_LIMIT_PER_SECOND: z.coerce.number().positive().default(20),
    RATE_LIMIT_BURST: z.coerce.number().int().min(1).default(40),
    /** How long an Idempotency-Key's 4xx answer is kept for repeats (2xx answers: 24 h). */
    IDEMPOTENCY_4XX_TTL_S: z.coerce.number().int().min(1).max(86_400).default(60),
    /** Keys the Idempotency-Key request fingerprints kept in Redis and in events (HMAC-SHA256). */
    IDEMPOTENCY_SECRET: z.string().min(16).default(DEV_IDEMPOTENCY_SECRET),
    PG_BASE_URL: z.string().url().default("http://127.0.0.1:3002"),
    PG_WEBHOOK_SECRET: z.string().min(16).default(DEV_PG_WEBHOOK_SECRET),
    /** Where the gateway should call back; defaults to this process's own /pg/callback. */
    PG_CALLBACK_URL: z.string().url().optional(),
    PG_TIMEOUT_MS: ms(2_000),
    /** A user's views of one product count once per this many seconds (contract default 600). */
    VIEW_DEDUP_S: z.coerce
      .number()
      .int()
      .min(1)
      .max(7 * 86_400)
      .default(600),
    /** How often the views counted are appended (one event per product and minute). */
    VIEW_FLUSH_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
    ...webhookEnvShape,
  })
  .refine((e) => e.GUARD_APPEND_DEADLINE_MS < e.GUARD_RESERVATION_TTL_MS, {
    message: "GUARD_APPEND_DEADLINE_MS must be shorter than GUARD_RESERVATION_TTL_MS",
    path: ["GUARD_APPEND_DEADLINE_MS"],
  });

export type CommandApiEnv = z.infer<typeof schema>;

/** The only reader of process.env in command-api; `overrides` win (tests, the bench). */
export function readEnv(overrides: Record<string, string | undefined> = {}): CommandApiEnv {
  return parseEnv(schema, { ...process.env, ...overrides }, { productionSecrets: { ...productionSecrets, IDEMPOTENCY_SECRET: DEV_IDEMPOTENCY_SECRET } });
}
