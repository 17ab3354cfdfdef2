import { commandGate, createBaseApp, requireAuth, type Db, type Dependency, type Logger, type Metrics, type OrderDeps } from "@surge/shared";
import { paymentRoutes, type PaymentRouteDeps } from "./payments/routes.js";
import { walletRoutes } from "./payments/wallet-routes.js";
import { goodsRoutes } from "./sales/goods.js";
import type { Redis } from "ioredis";
import type { ClaimDeps } from "./coupons/claim.js";
import { couponRoutes } from "./coupons/routes.js";
import { eventRoutes } from "./sales/events.js";
import { orderRoutes } from "./sales/orders.js";
import { productRoutes } from "./sales/products.js";

export interface CommandAppDeps extends ClaimDeps, OrderDeps, PaymentRouteDeps {
  db: Db;
  redis: Redis;
  jwtSecret: string;
  rateLimit: { perSecond: number; burst: number };
  logger: Logger;
  metrics: Metrics;
  dependencies: Dependency[];
}

/** Routes where the contract requires an Idempotency-Key; on every other POST it is optional. */
const KEY_REQUIRED = [/^\/orders$/, /^\/orders\/[^/]+\/payments$/, /^\/wallet\/charges$/];

export function createCommandApp(deps: CommandAppDeps) {
  const app = createBaseApp({ title: "Surge command API", logger: deps.logger, metrics: deps.metrics, dependencies: deps.dependencies });
  const gate = commandGate(deps.redis, { ...deps.rateLimit, keyRequiredFor: (path) => KEY_REQUIRED.some((re) => re.test(path)) });
  // Order matters: authenticate, then the gate (rate limit, Idempotency-Key).
  // Hono's "/orders/*" also matches "/orders", so each prefix is registered exactly once.
  app.use("/admin/*", requireAuth(deps.jwtSecret, "admin"), gate);
  for (const path of ["/coupons/*", "/orders/*", "/wallet/*"]) app.use(path, requireAuth(deps.jwtSecret), gate);

  couponRoutes(app, deps);
  productRoutes(app, deps);
  eventRoutes(app, deps);
  orderRoutes(app, deps);
  paymentRoutes(app, deps);
  walletRoutes(app, deps);
  goodsRoutes(app, deps);
  return app;
}
