import { Counter, Gauge } from "prom-client";
import type { Metrics } from "@surge/shared";

/** What the batch does, next to the HTTP metrics every app exposes. */
export function batchMetrics(metrics: Metrics) {
  const registers = [metrics.registry];
  return {
    jobRuns: new Counter({ name: "batch_job_runs_total", help: "Periodic job runs by outcome", labelNames: ["job", "outcome"] as const, registers }),
    handlerErrors: new Counter({ name: "batch_tail_errors_total", help: "Failed log-tail batches by handler", labelNames: ["handler"] as const, registers }),
    transitions: new Counter({ name: "batch_event_transitions_total", help: "Sale event transitions appended by the scheduler", labelNames: ["to"] as const, registers }),
    expired: new Counter({ name: "batch_orders_expired_total", help: "Orders expired by this process", registers }),
    released: new Counter({ name: "batch_stock_released_total", help: "Orders whose stock the follower returned (not released before)", registers }),
    gauge: (name: string, help: string, read: () => number) => new Gauge({ name, help, registers, collect() { this.set(read()); } }),
  };
}

export type BatchMetrics = ReturnType<typeof batchMetrics>;
