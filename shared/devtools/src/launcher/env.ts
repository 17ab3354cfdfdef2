import { z } from "zod";
import { baseEnvSchema, parseEnv } from "@surge/platform/config";
import { kafkaEnvSchema } from "@surge/platform/kafka/env";

/** KAFKA_BROKERS decides whether the launcher starts the relay; PG_BASE_URL, whether it starts the gateway simulator. */
const schema = baseEnvSchema.extend(kafkaEnvSchema.shape).extend({ PG_BASE_URL: z.string().url().optional() });

/** The only reader of process.env in shared/src/bin: the launcher and the migrator share one config. */
export function readEnv(): z.infer<typeof schema> {
  return parseEnv(schema, process.env);
}

/**
 * What each app started by the launcher sees: the launcher's own environment, so every app reads
 * the same settings, with human-readable logs because a person is watching this terminal.
 */
export function childEnv(): NodeJS.ProcessEnv {
  return { ...process.env, LOG_PRETTY: "true" };
}
