import { Counter, Gauge } from "prom-client";
import type { Metrics } from "@surge/platform/http/metrics";

/** What the batch does, next to the HTTP metrics every app exposes. */
export function batchMetrics(metrics: Metrics) {
  const registers = [metrics.registry];
  return {
    jobRuns: new Counter({ name: "batch_job_runs_total", help: "Periodic job runs by outcome", labelNames: ["job", "outcome"] as const, registers }),
    handlerErrors: new Counter({ name: "batch_tail_errors_total", help: "Failed log-tail batches by handler", labelNames: ["handler"] as const, registers }),
    transitions: new Counter({
      name: "batch_event_transitions_total",
      help: "Sale event transitions appended by the scheduler",
      labelNames: ["to"] as const,
      registers,
    }),
    expired: new Counter({ name: "batch_orders_expired_total", help: "Orders expired by this process", registers }),
    released: new Counter({ name: "batch_stock_released_total", help: "Orders whose stock the follower returned (not released before)", registers }),
    compensated: new Counter({ name: "batch_payment_failures_compensated_total", help: "Orders cancelled because their card payment failed", registers }),
    refunded: new Counter({ name: "batch_card_refunds_total", help: "Card payments refunded through the gateway", registers }),
    goodsAllocated: new Counter({ name: "batch_goods_allocated_total", help: "Goods units allocated to paid orders", registers }),
    settled: new Counter({
      name: "batch_payments_settled_total",
      help: "Card payments settled from the gateway's status (callback lost or late)",
      labelNames: ["outcome"] as const,
      registers,
    }),
    settleLookupErrors: new Counter({
      name: "batch_payment_settle_lookup_errors_total",
      help: "Gateway status look-ups of pending card payments that failed",
      registers,
    }),
    paymentRetries: new Counter({
      name: "batch_payment_retries_total",
      help: "Failed card refunds and payment compensations booked for a retry with back-off, by job",
      labelNames: ["job"] as const,
      registers,
    }),
    deadLettered: new Counter({
      name: "batch_payment_dead_letters_total",
      help: "Card refunds and payment compensations dead-lettered after their last attempt, by job",
      labelNames: ["job"] as const,
      registers,
    }),
    submissionsReleased: new Counter({
      name: "batch_card_submissions_released_total",
      help: "Card payments the gateway never received (submission lost) released as failed",
      registers,
    }),
    settleMismatches: new Counter({
      name: "batch_payment_settle_mismatches_total",
      help: "Gateway statuses refused because their amount or transaction key is not the submitted payment's",
      registers,
    }),
    gauge: (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      }),
  };
}

export type BatchMetrics = ReturnType<typeof batchMetrics>;
