import { z } from "zod";
import { baseEnvSchema, parseEnv, portSchema } from "@surge/platform/config";
import { kafkaEnvSchema } from "@surge/platform/kafka/env";

/** KAFKA_BROKERS decides whether the launcher starts the relay; PG_BASE_URL, whether it starts the gateway simulator. */
const schema = baseEnvSchema.extend(kafkaEnvSchema.shape).extend({ PG_BASE_URL: z.string().url().optional(), PG_SIMULATOR_PORT: portSchema(3002) });

/** The only reader of process.env in shared/src/bin: the launcher and the migrator share one config. */
export function readEnv(): z.infer<typeof schema> {
  return parseEnv(schema, process.env);
}

/**
 * What each app started by the launcher sees: the launcher's own environment, so every app reads
 * the same settings, with human-readable logs because a person is watching this terminal. When the
 * launcher runs the gateway simulator, the apps are pointed at the port it actually listens on.
 */
export function childEnv(source: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const simulated = source.PG_BASE_URL === undefined || source.PG_BASE_URL === "";
  const port = source.PG_SIMULATOR_PORT || "3002";
  return { ...source, LOG_PRETTY: "true", ...(simulated ? { PG_BASE_URL: `http://127.0.0.1:${port}` } : {}) };
}
