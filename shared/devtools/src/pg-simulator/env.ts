import { z } from "zod";
import { baseEnvSchema, parseEnv, portSchema } from "@surge/platform/config";
import { crossFieldIssues, type PgSimConfig } from "./config.js";
import { DEV_PG_WEBHOOK_SECRET } from "@surge/areas/payments/signature";

const rate = (fallback: number) => z.coerce.number().min(0).max(1).default(fallback);
const delay = (fallback: number) => z.coerce.number().int().min(0).max(600_000).default(fallback);

/** Which env entry sets which config field, so cross-field errors name what the operator set. */
const envName: Record<keyof PgSimConfig, string> = {
  requestFailureRate: "PG_SIM_REQUEST_FAILURE_RATE",
  limitExceededRate: "PG_SIM_LIMIT_EXCEEDED_RATE",
  invalidCardRate: "PG_SIM_INVALID_CARD_RATE",
  minDelayMs: "PG_SIM_MIN_DELAY_MS",
  maxDelayMs: "PG_SIM_MAX_DELAY_MS",
  requestMinDelayMs: "PG_SIM_REQUEST_MIN_DELAY_MS",
  requestMaxDelayMs: "PG_SIM_REQUEST_MAX_DELAY_MS",
  callbacks: "PG_SIM_CALLBACKS",
  callbackRepeat: "PG_SIM_CALLBACK_REPEAT",
};

const schema = baseEnvSchema
  .pick({ NODE_ENV: true, LOG_LEVEL: true, LOG_PRETTY: true })
  .extend({
    PG_SIMULATOR_PORT: portSchema(3002),
    /** A development tool: loopback only, unless a container must reach it (docker-compose sets 0.0.0.0). */
    PG_SIMULATOR_HOST: z.string().min(1).default("127.0.0.1"),
    /** Callbacks carry `X-PG-Signature`: hex HMAC-SHA256 of the raw body with this secret. */
    PG_WEBHOOK_SECRET: z.string().min(16).default(DEV_PG_WEBHOOK_SECRET),
    PG_SIM_REQUEST_FAILURE_RATE: rate(0.4),
    PG_SIM_LIMIT_EXCEEDED_RATE: rate(0.2),
    PG_SIM_INVALID_CARD_RATE: rate(0.1),
    PG_SIM_MIN_DELAY_MS: delay(1000),
    PG_SIM_MAX_DELAY_MS: delay(5000),
    PG_SIM_REQUEST_MIN_DELAY_MS: delay(100),
    PG_SIM_REQUEST_MAX_DELAY_MS: delay(500),
    PG_SIM_CALLBACKS: z.stringbool().default(true),
    PG_SIM_CALLBACK_REPEAT: z.coerce.number().int().min(1).max(10).default(1),
    /** Seeds the PRNG so a run can be replayed; unset: a random seed (logged at start). */
    PG_SIM_SEED: z.coerce.number().int().min(0).max(0xffffffff).optional(),
  })
  .superRefine((e, ctx) => {
    for (const issue of crossFieldIssues(configFromEnv(e))) {
      ctx.addIssue({ code: "custom", path: [envName[issue.field]], message: issue.message });
    }
  });

export type PgSimulatorEnv = z.infer<typeof schema>;

type ConfigEnv = Omit<PgSimulatorEnv, "NODE_ENV" | "LOG_LEVEL" | "LOG_PRETTY" | "PG_SIMULATOR_PORT" | "PG_WEBHOOK_SECRET" | "PG_SIM_SEED">;

export function configFromEnv(e: ConfigEnv): PgSimConfig {
  return {
    requestFailureRate: e.PG_SIM_REQUEST_FAILURE_RATE,
    limitExceededRate: e.PG_SIM_LIMIT_EXCEEDED_RATE,
    invalidCardRate: e.PG_SIM_INVALID_CARD_RATE,
    minDelayMs: e.PG_SIM_MIN_DELAY_MS,
    maxDelayMs: e.PG_SIM_MAX_DELAY_MS,
    requestMinDelayMs: e.PG_SIM_REQUEST_MIN_DELAY_MS,
    requestMaxDelayMs: e.PG_SIM_REQUEST_MAX_DELAY_MS,
    callbacks: e.PG_SIM_CALLBACKS,
    callbackRepeat: e.PG_SIM_CALLBACK_REPEAT,
  };
}

/** The only reader of process.env in the PG simulator; `overrides` win (tests). */
export function readEnv(overrides: Record<string, string | undefined> = {}): PgSimulatorEnv {
  return parseEnv(schema, { ...process.env, ...overrides });
}
