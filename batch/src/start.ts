import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { createBaseApp } from "@surge/platform/http/app";
import { GatewayClient } from "@surge/areas/payments/gateway-client";
import { KeyedQueue } from "@surge/platform/command/keyed-queue";
import { listen } from "@surge/platform/http/server";
import { MysqlEventStore } from "@surge/platform/eventstore/mysql-event-store";
import { openInfrastructure } from "@surge/platform/infrastructure";
import { SaleDefinitions } from "@surge/areas/sales/definitions";
import { StockGuard } from "@surge/areas/sales/stock-guard";
import type { BatchEnv } from "./env.js";
import { SaleScheduler } from "@surge/areas/sales/scheduler-job";
import { GoodsAllocation } from "@surge/areas/goods/allocation-job";
import { OrderExpiry } from "@surge/areas/orders/expiry-job";
import { PaymentCompensation } from "@surge/areas/payments/compensation-job";
import { PaymentSettler } from "@surge/areas/payments/settle-job";
import { REFUND_CHECKPOINT, RefundProcess } from "@surge/areas/payments/refund-job";
import { PAYMENT_COMPENSATION_CHECKPOINT } from "@surge/areas/payments/compensation-job";
import { RetryBook } from "@surge/areas/payments/retries";
import { StockReleaseFollower } from "@surge/areas/sales/stock-release-job";
import { RedisLocks } from "@surge/platform/redis/lock";
import { LogTail } from "@surge/platform/process/log-tail";
import { batchMetrics } from "./metrics.js";
import { Periodic } from "@surge/platform/process/periodic";
import { NightlyRankings, rankingCrons } from "@surge/areas/rankings/jobs/nightly";
import { Lease } from "@surge/platform/db/lease";
import { NotificationFollower } from "@surge/areas/notifications/follower";
import { WebhookDeliverer } from "@surge/areas/notifications/deliverer";
import { EmailSender, smtpTransport } from "@surge/areas/notifications/mailer";
import { notificationMetrics } from "@surge/areas/notifications/metrics";
import { allowInsecureWebhooks } from "@surge/areas/notifications/config";

/** Reads per poll of the log: one round trip covers a busy second of a flash sale. */
const TAIL_BATCH_SIZE = 500;
/** The batch never reserves stock; the guard only needs a value for the reservations it will not make. */
const UNUSED_RESERVATION_TTL_MS = 30_000;

/**
 * The composition root of batch: the event scheduler, order expiry, the stock-release follower,
 * the payment process managers (compensation of failed payments, card refunds, goods allocation),
 * the settle job and the purge.
 */
export async function startBatch(env: BatchEnv) {
  const { logger, stack, db, redis, metrics, dependencies, drain } = await openInfrastructure("batch", env);
  const store = new MysqlEventStore(db);
  stack.add(() => store.close());

  const stock = new StockGuard(redis, store, { reservationTtlMs: UNUSED_RESERVATION_TTL_MS }, logger);
  const locks = new RedisLocks(redis);
  const deps = { store, stock };
  const m = batchMetrics(metrics);

  const scheduler = new SaleScheduler(deps, locks, logger, { onTransition: (to) => m.transitions.inc({ to }) });
  const expiry = new OrderExpiry(deps, locks, logger, () => m.expired.inc());
  const follower = new StockReleaseFollower(db, stock, logger, () => m.released.inc());
  const gateway = new GatewayClient({ baseUrl: env.PG_BASE_URL, timeoutMs: env.PG_TIMEOUT_MS });
  const policy = { baseDelayMs: env.PAYMENT_RETRY_BASE_S * 1000, maxDelayMs: 3_600_000, maxAttempts: env.PAYMENT_RETRY_MAX_ATTEMPTS };
  const retryBook = (job: string) =>
    new RetryBook(db, job, policy, { onRetryScheduled: () => m.paymentRetries.inc({ job }), onDeadLettered: () => m.deadLettered.inc({ job }) });
  const compensation = new PaymentCompensation(db, { store, stock, wallets: new KeyedQueue() }, logger, retryBook(PAYMENT_COMPENSATION_CHECKPOINT), () =>
    m.compensated.inc(),
  );
  const refunds = new RefundProcess(db, store, gateway, logger, retryBook(REFUND_CHECKPOINT), () => m.refunded.inc());
  const goods = new GoodsAllocation(db, deps, new SaleDefinitions(store), logger, () => m.goodsAllocated.inc());
  const settler = new PaymentSettler(store, gateway, locks, logger, {
    onSettled: (outcome) => m.settled.inc({ outcome }),
    onLookupFailed: (n) => m.settleLookupErrors.inc(n),
    onMismatch: () => m.settleMismatches.inc(),
    onReleased: () => m.submissionsReleased.inc(),
  });
  const sender = new Lease(db, "notifications", `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`, env.NOTIFICATIONS_LEASE_TTL_MS, (err) =>
    logger.warn({ err }, "notifications lease renewal failed"),
  );
  const notifications = new NotificationFollower(db, store, { email: env.SMTP_URL !== undefined }, logger);
  const deliverer = new WebhookDeliverer(
    db,
    {
      pollMs: env.NOTIFICATIONS_POLL_MS,
      timeoutMs: env.WEBHOOK_TIMEOUT_MS,
      allowInsecure: allowInsecureWebhooks(env),
      onOutcome: (o) => notified.onDelivery(o),
      mayRun: () => sender.held,
    },
    logger,
  );
  const notified = notificationMetrics(metrics.registry, db, store, () => deliverer.oldestPendingSeconds());
  const mailer = env.SMTP_URL
    ? new EmailSender(
        db,
        smtpTransport(env.SMTP_URL),
        { from: env.EMAIL_FROM, pollMs: env.NOTIFICATIONS_POLL_MS, onOutcome: (o) => notified.onEmail(o), mayRun: () => sender.held },
        logger,
      )
    : null;
  const handlers = [scheduler, expiry, follower, compensation, refunds, goods, settler, notifications];
  const tail = new LogTail(store, handlers, { batchSize: TAIL_BATCH_SIZE, idleMs: env.BATCH_TAIL_IDLE_MS }, logger, (handler) =>
    m.handlerErrors.inc({ handler }),
  );
  m.gauge("batch_tracked_events", "Sale events not yet closed that the scheduler watches", () => scheduler.tracked());
  m.gauge("batch_pending_orders", "Unpaid orders the expiry job watches", () => expiry.pendingCount());
  m.gauge("batch_stock_release_position", "Log position the stock-release follower has handled", () => tail.positions()[follower.name] ?? 0);
  m.gauge("batch_pending_card_payments", "Card payments without an outcome that the settle job watches", () => settler.pendingCount());

  const app = createBaseApp({
    title: "Surge batch",
    logger,
    metrics,
    dependencies,
  });
  const server = await listen(app.fetch, env.BATCH_PORT, { drain });
  stack.add(() => server.close());

  const outcome = (job: string) => (o: "ok" | "error") => m.jobRuns.inc({ job, outcome: o });
  const periodic = [
    new Periodic("event-sweep", () => scheduler.sweep(), { intervalMs: env.SCHEDULER_SWEEP_INTERVAL_S * 1000, onOutcome: outcome("event-sweep") }, logger),
    new Periodic("order-expiry", () => expiry.tick(), { intervalMs: env.ORDER_EXPIRY_INTERVAL_MS, onOutcome: outcome("order-expiry") }, logger),
    new Periodic("payment-settle", () => settler.tick(), { intervalMs: env.PAYMENT_SETTLE_INTERVAL_S * 1000, onOutcome: outcome("payment-settle") }, logger),
    new Periodic(
      "payment-retries",
      // One batch process retries at a time: two would both call the gateway for the same refund.
      async () => {
        await locks.run("payment-retries", 60_000, () => Promise.all([refunds.retryDue(), compensation.retryDue()]));
      },
      { intervalMs: env.PAYMENT_RETRY_INTERVAL_S * 1000, onOutcome: outcome("payment-retries") },
      logger,
    ),
  ];

  // Ranking roll-up check and snapshots: cron in BUSINESS_TZ, one batch process runs each night.
  const nightly = new NightlyRankings(
    { db, locks, redis, businessTz: env.BUSINESS_TZ, logger, onOutcome: (job, o) => m.jobRuns.inc({ job, outcome: o }) },
    rankingCrons(env),
  );

  tail.start();
  sender.start();
  deliverer.start();
  mailer?.start();
  for (const p of periodic) p.start();
  nightly.start();
  // Stopped first (the stack runs in reverse): no new work, then the work in flight finishes before the pools close.
  stack.add(async () => {
    await Promise.all([tail.stop(), deliverer.stop(), mailer?.stop(), scheduler.stop(), nightly.stop(), ...periodic.map((p) => p.stop())]);
    await sender.stop();
  });

  logger.info({ url: server.url }, "batch running");
  return { url: server.url, port: server.port, logger, positions: () => tail.positions(), stop: () => stack.stop() };
}

export type Batch = Awaited<ReturnType<typeof startBatch>>;
