import { commandGate } from "./http/command-gate.js";
import { createBaseApp, type Dependency } from "@surge/platform/http/app";
import { requireAuth } from "@surge/platform/http/auth";
import type { TokenVerifier } from "@surge/platform/http/token-verifier";
import { type Db } from "@surge/platform/db/database";
import { type Logger } from "pino";
import { type Metrics } from "@surge/platform/http/metrics";
import { type OrderDeps } from "@surge/areas/orders/place";
import { paymentRoutes, type PaymentRouteDeps } from "@surge/areas/payments/command-routes";
import { walletRoutes } from "@surge/areas/wallet/command-routes";
import { goodsRoutes } from "@surge/areas/goods/command-routes";
import type { Redis } from "ioredis";
import type { ClaimDeps } from "@surge/areas/coupons/claim-command";
import { couponRoutes } from "@surge/areas/coupons/command-routes";
import { saleRoutes } from "@surge/areas/sales/command-routes";
import { orderRoutes } from "@surge/areas/orders/command-routes";
import { productRoutes } from "@surge/areas/catalog/command-routes";
import type { ProductDirectory } from "@surge/areas/catalog/directory";
import { cartRoutes } from "@surge/areas/cart/command-routes";
import { engagementRoutes } from "@surge/areas/engagement/command-routes";
import type { LikeCounts } from "@surge/areas/engagement/like-counts";
import type { ViewRecorder } from "@surge/areas/engagement/views";
import { notificationRoutes, type NotificationRouteDeps } from "@surge/areas/notifications/command-routes";

export interface CommandAppDeps extends ClaimDeps, OrderDeps, PaymentRouteDeps, NotificationRouteDeps {
  db: Db;
  redis: Redis;
  tokenVerifier: TokenVerifier;
  rateLimit: { perSecond: number; burst: number };
  /** IDEMPOTENCY_4XX_TTL_S in ms: how long a keyed request's 4xx answer is kept. */
  idempotencyFailureKeepMs: number;
  /** IDEMPOTENCY_SECRET: the key of every request fingerprint. */
  idempotencySecret: string;
  products: ProductDirectory;
  likes: LikeCounts;
  views: ViewRecorder;
  corsOrigins: readonly string[];
  logger: Logger;
  metrics: Metrics;
  dependencies: Dependency[];
}

/** Routes where the contract requires an Idempotency-Key; on every other POST it is optional. */
const KEY_REQUIRED = [/^\/orders$/, /^\/orders\/[^/]+\/payments$/, /^\/wallet\/charges$/];
/** The drop's hot route: its guard script spends the rate-limit token in the same Redis call. */
const CLAIM = /^\/coupons\/[^/]+\/claims$/;

export function createCommandApp(deps: CommandAppDeps) {
  const app = createBaseApp({
    title: "Surge command API",
    logger: deps.logger,
    metrics: deps.metrics,
    dependencies: deps.dependencies,
    corsOrigins: deps.corsOrigins,
  });
  const gate = commandGate(deps.redis, {
    ...deps.rateLimit,
    failureKeepMs: deps.idempotencyFailureKeepMs,
    secret: deps.idempotencySecret,
    keyRequiredFor: (path) => KEY_REQUIRED.some((re) => re.test(path)),
    tokenSpentByGuard: (path) => CLAIM.test(path),
  });
  // Order matters: authenticate, then the gate (rate limit, Idempotency-Key).
  // Hono's "/orders/*" also matches "/orders", so each prefix is registered exactly once.
  app.use("/admin/*", requireAuth(deps.tokenVerifier, "admin"), gate);
  for (const path of ["/cart/*", "/coupons/*", "/me/*", "/orders/*", "/products/*", "/wallet/*"]) app.use(path, requireAuth(deps.tokenVerifier), gate);

  couponRoutes(app, deps);
  productRoutes(app, deps);
  saleRoutes(app, deps);
  orderRoutes(app, deps);
  paymentRoutes(app, deps);
  walletRoutes(app, deps);
  goodsRoutes(app, deps);
  engagementRoutes(app, deps);
  cartRoutes(app, deps);
  notificationRoutes(app, deps);
  return app;
}
