import type { Redis } from "ioredis";
import { createBaseApp, type Dependency } from "@surge/platform/http/app";
import { DEFAULT_BUSINESS_TZ } from "@surge/areas/rankings/calendar";
import { requireAuth } from "@surge/platform/http/auth";
import { type Db } from "@surge/platform/db/database";
import { type Logger } from "pino";
import { type Metrics } from "@surge/platform/http/metrics";
import { auditRoutes } from "./audit-routes.js";
import { couponRoutes } from "@surge/areas/coupons/query-routes";
import type { LiveHub } from "@surge/areas/sales/live-hub";
import { liveRoutes } from "@surge/areas/sales/live-route";
import { eventRoutes } from "@surge/areas/sales/query-routes";
import { orderRoutes } from "@surge/areas/orders/query-routes";
import type { ProjectionPosition } from "@surge/platform/http/projection-position";
import { RankingCache } from "@surge/areas/rankings/cache";
import { rankingRoutes } from "@surge/areas/rankings/query-routes";
import { readModel } from "@surge/platform/http/read-your-writes";
import { rememberValidation } from "@surge/platform/http/adapters/zod-openapi-validation";
import { walletRoutes } from "@surge/areas/wallet/query-routes";
import { productRoutes } from "@surge/areas/catalog/query-routes";
import { cartRoutes } from "@surge/areas/cart/query-routes";
import { DEFAULT_WEIGHTS, type ScoreWeights } from "@surge/areas/rankings/metric-tables";
import { publicCache } from "@surge/platform/http/cache";

export interface QueryAppDeps {
  db: Db;
  position: ProjectionPosition;
  minPositionWaitMs: number;
  jwtSecret: string;
  live: LiveHub;
  liveHeartbeatMs: number;
  logger: Logger;
  metrics: Metrics;
  dependencies: Dependency[];
  /** Shared cache of ranking lists; without it every process caches in memory only. */
  redis?: Redis;
  /** BUSINESS_TZ: what "today" is for rankings. */
  businessTz?: string;
  /** RANKING_WEIGHT_*: how by=SCORE weighs views, likes and units sold. */
  rankingWeights?: ScoreWeights;
  /** PUBLIC_CACHE_MAX_AGE_S: Cache-Control max-age of the public reads. */
  publicMaxAgeS?: number;
  /** CORS_ORIGINS. */
  corsOrigins?: readonly string[];
}

/** Every path served from the read models; each carries X-Projection-Position and honours X-Min-Position. */
const queryPaths = ["/coupons/*", "/events/*", "/me/*", "/orders/*", "/products/*", "/rankings/*"];
const authenticatedPaths = ["/me/*", "/orders/*"];
/** Reads anyone may make: ETag, If-None-Match and a short Cache-Control (the live stream passes untouched). */
const publicPaths = ["/coupons/*", "/events/*", "/products/*", "/rankings/*"];

export function createQueryApp(deps: QueryAppDeps) {
  const app = createBaseApp({ title: "Surge query API", logger: deps.logger, metrics: deps.metrics, dependencies: deps.dependencies, corsOrigins: deps.corsOrigins });
  rememberValidation(app);
  // Outside readModel: a 304 is decided on the body the read produced.
  const cache = publicCache(deps.publicMaxAgeS ?? 2);
  for (const path of publicPaths) app.use(path, cache);
  for (const path of queryPaths) {
    const auth = authenticatedPaths.includes(path) ? requireAuth(deps.jwtSecret) : undefined;
    app.use(path, readModel(deps.position, deps.minPositionWaitMs, auth));
  }
  app.use("/admin/*", requireAuth(deps.jwtSecret, "admin"));
  auditRoutes(app, deps);
  couponRoutes(app, deps);
  eventRoutes(app, deps);
  liveRoutes(app, { db: deps.db, live: deps.live, heartbeatMs: deps.liveHeartbeatMs });
  orderRoutes(app, deps);
  walletRoutes(app, deps);
  productRoutes(app, deps);
  cartRoutes(app, deps);
  rankingRoutes(app, {
    db: deps.db,
    cache: new RankingCache(deps.redis ?? null),
    businessTz: deps.businessTz ?? DEFAULT_BUSINESS_TZ,
    weights: deps.rankingWeights ?? DEFAULT_WEIGHTS,
  });
  return app;
}
