import { Kafka, logLevel, type LogEntry } from "kafkajs";
import type { Logger } from "pino";

// Re-exported so the apps and their tests use kafkajs through shared, the one package depending on it.
export { Kafka, logLevel, Partitioners } from "kafkajs";
export type { Admin, Consumer, EachBatchPayload, KafkaMessage, Message, Producer } from "kafkajs";

export interface KafkaClientOptions {
  brokers: string[];
  clientId: string;
  logger: Logger;
}

/**
 * A kafkajs client logging through pino. kafkajs retries internally and logs every failed attempt
 * as an error; our own loops decide what is a failure (and count it), so its errors become warnings.
 */
export function createKafka({ brokers, clientId, logger }: KafkaClientOptions): Kafka {
  const log = logger.child({ component: "kafkajs" });
  const logCreator = () => (entry: LogEntry) => {
    const { message, ...extra } = entry.log;
    if (entry.level <= logLevel.WARN) log.warn(extra, message);
    else if (entry.level === logLevel.INFO) log.debug(extra, message);
    else log.trace(extra, message);
  };
  return new Kafka({
    clientId,
    brokers,
    logCreator,
    connectionTimeout: 3000,
    requestTimeout: 10_000,
    // Short internal retries: an outage is handled by the caller's own backoff loop, which keeps
    // control (and metrics) instead of sitting in kafkajs for up to half a minute.
    retry: { initialRetryTime: 100, maxRetryTime: 2000, retries: 3 },
  });
}
