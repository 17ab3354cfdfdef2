import { z } from "zod";

/** A comma-separated host:port list. */
export const kafkaBrokersSchema = z
  .string()
  .transform((s) =>
    s
      .split(",")
      .map((b) => b.trim())
      .filter((b) => b.length > 0),
  )
  .pipe(z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, "must be host:port")).min(1));

/** Kafka settings shared by the relay, the projector and the launcher. */
export const kafkaEnvSchema = z.object({
  /** Unset: no relay runs and the projector tails the event store itself (embedded mode). */
  KAFKA_BROKERS: kafkaBrokersSchema.optional(),
  KAFKA_CLIENT_ID: z.string().min(1).default("surge"),
  /** Partitions per topic when the relay creates the topics (existing topics are left as they are). */
  KAFKA_PARTITIONS: z.coerce.number().int().min(1).max(1000).default(6),
  /** Idempotent producer (no duplicates from producer retries); `false` for brokers without it. */
  KAFKA_IDEMPOTENT: z.stringbool().default(true),
  /** Consumer group session: a dead projector's partitions are reassigned after this long. */
  KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(3000).default(30_000),
});

export type KafkaEnv = z.infer<typeof kafkaEnvSchema>;
