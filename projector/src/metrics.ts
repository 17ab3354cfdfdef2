import { sql } from "kysely";
import { Counter, Gauge, Histogram } from "prom-client";
import { readCheckpoint } from "@surge/platform/db/checkpoints";
import { type Db } from "@surge/platform/db/database";
import { type EventStore } from "@surge/platform/eventstore/types";
import { type Metrics } from "@surge/platform/http/metrics";
import { lagGauges } from "@surge/platform/process/lag-gauges";

interface Lag {
  events: number;
  seconds: number;
}

/** How far the read models trail the store: what is still to project, and how long the oldest of it has waited. */
async function measureLag(db: Db, store: EventStore): Promise<Lag> {
  const [head, checkpoint] = await Promise.all([store.headPosition(), readCheckpoint(db)]);
  if (head <= checkpoint) return { events: 0, seconds: 0 };
  // Both instants from the database clock, so a skewed app clock cannot fake or hide lag.
  const { rows } = await sql<{ waited: string | number }>`
    SELECT TIMESTAMPDIFF(MICROSECOND, recorded_at, CURRENT_TIMESTAMP(3)) AS waited
    FROM events WHERE position > ${checkpoint} ORDER BY position LIMIT 1`.execute(db);
  return { events: head - checkpoint, seconds: Math.max(0, Number(rows[0]?.waited ?? 0) / 1e6) };
}

/** The projector's own metrics, on the app registry. Lag is measured when scraped, so it grows even while the projector is stuck. */
export function projectorMetrics(metrics: Metrics, db: Db, store: EventStore) {
  const registers = [metrics.registry];
  // Both lag gauges are collected in the same scrape: share one measurement.
  let measuring: Promise<Lag | null> | null = null;
  const lag = () =>
    (measuring ??= measureLag(db, store)
      .catch(() => null)
      .finally(() => {
        measuring = null;
      }));

  return {
    applied: new Counter({
      name: "projector_events_applied_total",
      help: "Events applied to the read models, by type",
      labelNames: ["type"] as const,
      registers,
    }),
    duplicates: new Counter({ name: "projector_events_duplicate_total", help: "Redelivered events skipped because they were already handled", registers }),
    failures: new Counter({ name: "projector_failures_total", help: "Batches that failed and were retried", registers }),
    deadLettered: new Counter({
      name: "projector_dead_lettered_total",
      help: "Poison events recorded in projection_failures and skipped (in Kafka mode also sent to surge.dlt)",
      registers,
    }),
    refilled: new Counter({
      name: "projector_refilled_from_store_total",
      help: "Kafka mode: events Kafka never delivered (a hole below the safe position), applied from the store",
      registers,
    }),
    safePosition: new Gauge({
      name: "projector_safe_position",
      help: "Kafka mode: every event at or below this position is in the read models (min of the partitions' watermarks)",
      registers,
    }),
    held: new Gauge({ name: "projector_held_records", help: "Kafka mode: records received and held until every partition's watermark covers them", registers }),
    batchSeconds: new Histogram({
      name: "projector_batch_duration_seconds",
      help: "Time to apply and commit one batch",
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    ...lagGauges(
      "projector",
      {
        events: "Events in the store not yet projected (head position minus checkpoint)",
        seconds: "How long the oldest unprojected event has been in the store",
      },
      metrics.registry,
      lag,
    ),
  };
}

export type ProjectorMetrics = ReturnType<typeof projectorMetrics>;
