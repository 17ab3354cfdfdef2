import { Counter, Gauge, Histogram } from "prom-client";
import { measureLag, RELAY_CHECKPOINT, type CheckpointLag } from "../db/checkpoints.js";
import { type Db } from "../db/database.js";
import { type EventStore } from "../eventstore/types.js";
import { type Lease } from "../db/lease.js";
import { type Metrics } from "../http/metrics.js";
import { lagGauges } from "../process/lag-gauges.js";

/** The relay's metrics on the app registry. Lag is measured when scraped, so it grows while Kafka is away. */
export function relayMetrics(metrics: Metrics, db: Db, store: EventStore, lease: Lease) {
  const registers = [metrics.registry];
  // Both lag gauges are collected in one scrape: share one measurement.
  let measuring: Promise<CheckpointLag | null> | null = null;
  const lag = () =>
    (measuring ??= store
      .headPosition()
      .then((head) => measureLag(db, head, RELAY_CHECKPOINT))
      .catch(() => null)
      .finally(() => {
        measuring = null;
      }));

  return {
    published: new Counter({
      name: "relay_events_published_total",
      help: "Events acknowledged by Kafka (a batch published again after a crash counts again)",
      registers,
    }),
    failures: new Counter({ name: "relay_publish_failures_total", help: "Publish attempts that failed and were retried with backoff", registers }),
    batchSeconds: new Histogram({
      name: "relay_batch_duration_seconds",
      help: "Time to publish one batch and move the checkpoint",
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers,
    }),
    leader: new Gauge({
      name: "relay_lease_held",
      help: "1 while this relay holds the lease and publishes, 0 while it stands by",
      registers,
      collect() {
        this.set(lease.held ? 1 : 0);
      },
    }),
    ...lagGauges(
      "relay",
      {
        events: "Events in the store not yet acknowledged by Kafka (head position minus the relay checkpoint)",
        seconds: "How long the oldest unpublished event has been in the store",
      },
      metrics.registry,
      lag,
    ),
  };
}
