import { CouponGuard } from "@surge/areas/coupons/guard";
import { GatewayClient } from "@surge/areas/payments/gateway-client";
import { KeyedQueue } from "@surge/platform/command/keyed-queue";
import { listen } from "@surge/platform/http/server";
import { MysqlEventStore } from "@surge/platform/eventstore/mysql-event-store";
import { openInfrastructure } from "@surge/platform/infrastructure";
import { jwtVerifierOptions } from "@surge/platform/config";
import { TokenVerifier } from "@surge/platform/http/token-verifier";
import { SaleDefinitions } from "@surge/areas/sales/definitions";
import { StockGuard } from "@surge/areas/sales/stock-guard";
import { Counter, Histogram } from "prom-client";
import { createCommandApp } from "./app.js";
import { CouponDefinitions } from "@surge/areas/coupons/definitions";
import { CardSubmitter, recordSubmissionIn } from "@surge/areas/payments/submitter";
import type { CommandApiEnv } from "./env.js";
import { ProductDirectory } from "@surge/areas/catalog/directory";
import { LikeCounts } from "@surge/areas/engagement/like-counts";
import { ViewRecorder } from "@surge/areas/engagement/views";
import { allowInsecureWebhooks } from "@surge/areas/notifications/config";

/** The composition root of command-api: builds every dependency once and knows how to stop them. */
export async function startCommandApi(env: CommandApiEnv) {
  // Built first: a contradictory JWT setting stops the process before it touches MySQL or Redis.
  const tokenVerifier = new TokenVerifier(jwtVerifierOptions(env));
  const { logger, stack, db, redis, metrics, dependencies, drain } = await openInfrastructure("command-api", env);
  const batchSizes = new Histogram({
    name: "eventstore_append_batch_size",
    help: "Appends committed together in one transaction",
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
    registers: [metrics.registry],
  });
  const outcomes = new Counter({
    name: "coupon_claims_total",
    help: "Coupon claims by outcome",
    labelNames: ["outcome"] as const,
    registers: [metrics.registry],
  });

  const store = new MysqlEventStore(db, { onBatch: (n) => batchSizes.observe(n) });
  stack.add(() => store.close());
  const guard = new CouponGuard(redis, store, { reservationTtlMs: env.GUARD_RESERVATION_TTL_MS }, logger);
  const stock = new StockGuard(redis, store, { reservationTtlMs: env.GUARD_RESERVATION_TTL_MS }, logger);
  const submitter = new CardSubmitter(new GatewayClient({ baseUrl: env.PG_BASE_URL, timeoutMs: env.PG_TIMEOUT_MS }), logger, recordSubmissionIn(store));
  stack.add(() => submitter.stop());
  const viewOutcomes = new Counter({
    name: "product_views_total",
    help: "Product views by outcome (counted, or repeated within VIEW_DEDUP_S)",
    labelNames: ["outcome"] as const,
    registers: [metrics.registry],
  });
  const onView = (counted: boolean) => viewOutcomes.inc({ outcome: counted ? "counted" : "repeated" });
  const views = new ViewRecorder(redis, store, { dedupS: env.VIEW_DEDUP_S, flushMs: env.VIEW_FLUSH_MS, onView }, logger);
  views.start();
  // Flushed before the store closes (the stack stops in reverse): the views counted last are kept.
  stack.add(() => views.stop());
  let ownUrl = "";
  const app = createCommandApp({
    db,
    redis,
    store,
    guard,
    stock,
    sales: new SaleDefinitions(store),
    wallets: new KeyedQueue(),
    submitter,
    webhookSecret: env.PG_WEBHOOK_SECRET,
    callbackUrl: () => env.PG_CALLBACK_URL ?? `${ownUrl}/pg/callback`,
    paymentTtlS: env.ORDER_PAYMENT_TTL_S,
    rateLimit: { perSecond: env.RATE_LIMIT_PER_SECOND, burst: env.RATE_LIMIT_BURST },
    idempotencyFailureKeepMs: env.IDEMPOTENCY_4XX_TTL_S * 1000,
    idempotencySecret: env.IDEMPOTENCY_SECRET,
    products: new ProductDirectory(store),
    likes: new LikeCounts(redis, store),
    views,
    corsOrigins: env.CORS_ORIGINS,
    allowInsecureWebhooks: allowInsecureWebhooks(env),
    definitions: new CouponDefinitions(store),
    appendDeadlineMs: env.GUARD_APPEND_DEADLINE_MS,
    outcomes,
    logger,
    metrics,
    tokenVerifier,
    dependencies,
  });

  const sweeper = setInterval(() => {
    for (const g of [guard, stock]) g.sweep().catch((err: unknown) => logger.error({ err }, "reservation sweep failed"));
  }, env.GUARD_SWEEP_INTERVAL_MS);
  stack.add(async () => clearInterval(sweeper));

  const server = await listen(app.fetch, env.COMMAND_API_PORT, { drain });
  ownUrl = server.url;
  stack.add(() => server.close());
  logger.info({ url: server.url }, "command-api listening");
  return { url: server.url, port: server.port, logger, guard, stock, submitter, stop: () => stack.stop() };
}

export type CommandApi = Awaited<ReturnType<typeof startCommandApi>>;
