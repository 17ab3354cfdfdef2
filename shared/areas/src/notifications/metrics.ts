import { Counter, Gauge, type Registry } from "prom-client";
import { measureLag } from "@surge/platform/db/checkpoints";
import type { Db } from "@surge/platform/db/database";
import type { EventStore } from "@surge/platform/eventstore/types";
import { lagGauges } from "@surge/platform/process/lag-gauges";
import { NOTIFICATIONS_CHECKPOINT } from "./follower.js";

/** The consumer's Prometheus metrics: outcomes, how far it trails the log, and the oldest delivery still pending. */
export function notificationMetrics(registry: Registry, db: Db, store: EventStore, oldestPendingSeconds: () => Promise<number>) {
  const registers = [registry];
  const deliveries = new Counter({
    name: "notifications_webhook_deliveries_total",
    help: "Webhook delivery attempts by outcome (delivered, retry = failed and rescheduled, failed = gave up after 24 h)",
    labelNames: ["outcome"] as const,
    registers,
  });
  const emails = new Counter({
    name: "notifications_emails_total",
    help: "Emails by outcome (sent, retry, failed, dropped = the contact was erased first)",
    labelNames: ["outcome"] as const,
    registers,
  });
  lagGauges(
    "notifications",
    { events: "Log positions the notifications consumer has not recorded yet", seconds: "Age of the oldest event the notifications consumer has not recorded" },
    registry,
    async () => measureLag(db, await store.headPosition(), NOTIFICATIONS_CHECKPOINT),
  );
  new Gauge({
    name: "notifications_oldest_pending_delivery_seconds",
    help: "Age of the oldest webhook delivery still PENDING (0 when none)",
    registers,
    async collect() {
      this.set(await oldestPendingSeconds());
    },
  });
  return {
    onDelivery: (outcome: "delivered" | "retry" | "failed") => deliveries.inc({ outcome }),
    onEmail: (outcome: "sent" | "retry" | "failed" | "dropped") => emails.inc({ outcome }),
  };
}
