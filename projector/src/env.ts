import { z } from "zod";
import { productionSecrets } from "@surge/areas/production-secrets";
import { baseEnvSchema, parseEnv, portSchema } from "@surge/platform/config";
import { kafkaEnvSchema } from "@surge/platform/kafka/env";

const ms = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

const schema = baseEnvSchema.extend(kafkaEnvSchema.shape).extend({
  /** Serves /health, /ready and /metrics (lag) only. */
  PROJECTOR_PORT: portSchema(3003),
  /** Events per transaction: larger batches share one commit, smaller ones show up sooner. */
  PROJECTOR_BATCH_SIZE: z.coerce.number().int().min(1).max(5000).default(2000),
  /** Pause between polls of the store when it has nothing new. */
  PROJECTOR_IDLE_MS: ms(20),
  /** Pause before retrying a batch that failed (database away, deadlock, bad event). */
  PROJECTOR_RETRY_MS: ms(1000),
  /** Kafka mode (KAFKA_BROKERS set): the consumer group every projector instance joins. */
  PROJECTOR_KAFKA_GROUP: z.string().min(1).default("surge-projector"),
  /** Kafka mode: one instance consumes at a time; a standby takes over this long after it stops renewing. */
  PROJECTOR_LEASE_TTL_MS: z.coerce.number().int().min(300).default(10_000),
  /** A handler failing this often (not for a database reason) dead-letters its event: projection_failures (and surge.dlt in Kafka mode). */
  PROJECTOR_POISON_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(3),
});

export type ProjectorEnv = z.infer<typeof schema>;

/** The only reader of process.env in projector; `overrides` win (tests). */
export function readEnv(overrides: Record<string, string | undefined> = {}): ProjectorEnv {
  return parseEnv(schema, { ...process.env, ...overrides }, { productionSecrets });
}
