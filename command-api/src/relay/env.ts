import { z } from "zod";
import { baseEnvSchema, parseEnv, portSchema } from "@surge/platform/config";
import { kafkaBrokersSchema, kafkaEnvSchema } from "@surge/platform/kafka/env";

const ms = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

const schema = baseEnvSchema
  .extend(kafkaEnvSchema.shape)
  .extend({
    /** Required here: a relay without a broker has nothing to do. */
    KAFKA_BROKERS: kafkaBrokersSchema,
    /** Serves /health, /ready and /metrics (relay lag) only. */
    RELAY_PORT: portSchema(3005),
    /** Events per produce call (one watermark per partition follows each). */
    RELAY_BATCH_SIZE: z.coerce.number().int().min(1).max(5000).default(500),
    /** Pause between polls of the store when everything is published. */
    RELAY_IDLE_MS: ms(20),
    /** Backoff after a failed publish doubles from the first value up to the second. */
    RELAY_BACKOFF_MIN_MS: ms(100),
    RELAY_BACKOFF_MAX_MS: ms(10_000),
    /** One relay publishes at a time; a standby takes over this long after the active one stops renewing. */
    RELAY_LEASE_TTL_MS: z.coerce.number().int().min(300).default(10_000),
  })
  .refine((e) => e.RELAY_BACKOFF_MIN_MS <= e.RELAY_BACKOFF_MAX_MS, { message: "must not exceed RELAY_BACKOFF_MAX_MS", path: ["RELAY_BACKOFF_MIN_MS"] });

export type RelayEnv = z.infer<typeof schema>;

/** The only reader of process.env for the relay; `overrides` win (tests). */
export function readRelayEnv(overrides: Record<string, string | undefined> = {}): RelayEnv {
  return parseEnv(schema, { ...process.env, ...overrides });
}
