import type { Redis } from "ioredis";
import { createBaseApp, type Dependency } from "@surge/platform/http/app";
import { DEFAULT_BUSINESS_TZ } from "@surge/areas/rankings/calendar";
import { requireAuth, type AuthUser } from "@surge/platform/http/auth";
import type { TokenVerifier } from "@surge/platform/http/token-verifier";
import { type Db } from "@surge/platform/db/database";
import { type Logger } from "pino";
import { type Metrics } from "@surge/platform/http/metrics";
import { auditRoutes } from "./audit-routes.js";
import { couponRoutes } from "@surge/areas/coupons/query-routes";
import type { LiveHub } from "@surge/platform/live/hub";
import { liveRoutes } from "@surge/areas/sales/live-route";
import type { LiveState } from "@surge/areas/sales/live-state";
import { couponLiveRoutes } from "@surge/areas/coupons/live-route";
import type { CouponLiveState } from "@surge/areas/coupons/live-state";
import { dashboardRoutes } from "./dashboard/routes.js";
import { saleRoutes } from "@surge/areas/sales/query-routes";
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
import type { StoreHead } from "@surge/platform/http/store-head";
import { rateLimit } from "@surge/platform/http/rate-limit";
import type { BucketLimit } from "@surge/platform/redis/token-bucket";
import { StreamSlots, type StreamLimits } from "@surge/platform/http/stream-slots";
import type { Context, MiddlewareHandler } from "hono";

export interface QueryAppDeps {
  db: Db;
  position: ProjectionPosition;
  /** The event store's head: an X-Min-Position beyond it is refused instead of waited for. */
  head: StoreHead;
  minPositionWaitMs: number;
  /** Token buckets and live stream caps; see env.ts. */
  limits: {
    perUser: BucketLimit;
    perAddress: BucketLimit;
    live: StreamLimits;
  };
  /** The client address a request counts against (per-address limits and caps). */
  clientAddress: (c: Context) => string;
  tokenVerifier: TokenVerifier;
  /** One poll loop per watched sale event or coupon drop, shared by its streams. */
  live: { sales: LiveHub<LiveState>; coupons: LiveHub<CouponLiveState> };
  liveHeartbeatMs: number;
  /** The `retry:` of the live streams: how long a browser waits before it reconnects. */
  liveRetryMs: number;
  logger: Logger;
  metrics: Metrics;
  dependencies: Dependency[];
  /** Rate limit buckets, and the shared cache of ranking lists. */
  redis: Redis;
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

type UserEnv = { Variables: { user: AuthUser } };

/** Authentication, then the user's rate limit: one middleware, as readModel takes it. */
function authThenLimit(auth: MiddlewareHandler<UserEnv>, limit: MiddlewareHandler<UserEnv>): MiddlewareHandler<UserEnv> {
  return (c, next) =>
    auth(c, async () => {
      await limit(c, next);
    });
}

export function createQueryApp(deps: QueryAppDeps) {
  const app = createBaseApp({
    title: "Surge query API",
    logger: deps.logger,
    metrics: deps.metrics,
    dependencies: deps.dependencies,
    corsOrigins: deps.corsOrigins,
  });
  rememberValidation(app);
  const perUser = rateLimit<UserEnv>(deps.redis, deps.limits.perUser, (c) => `rlq:user:{${c.get("user").id}}`);
  const perAddress = rateLimit(deps.redis, deps.limits.perAddress, (c) => `rlq:addr:{${deps.clientAddress(c)}}`);
  // First on the public paths: a refused request costs one Redis call and nothing else.
  for (const path of publicPaths) app.use(path, perAddress);
  // Outside readModel: a 304 is decided on the body the read produced.
  const cache = publicCache(deps.publicMaxAgeS ?? 2);
  for (const path of publicPaths) app.use(path, cache);
  const readModelOf = { position: deps.position, head: deps.head, waitMs: deps.minPositionWaitMs };
  for (const path of queryPaths) {
    // Limited once authenticated, before any X-Min-Position wait.
    const auth = authenticatedPaths.includes(path) ? authThenLimit(requireAuth(deps.tokenVerifier), perUser) : undefined;
    app.use(path, readModel(readModelOf, auth));
  }
  app.use("/admin/*", requireAuth(deps.tokenVerifier, "admin"), perUser);
  auditRoutes(app, deps);
  couponRoutes(app, deps);
  saleRoutes(app, deps);
  // One set of caps over every live stream: a client's sale and coupon streams count together.
  const streams = { slots: new StreamSlots(deps.limits.live, deps.clientAddress), heartbeatMs: deps.liveHeartbeatMs, retryMs: deps.liveRetryMs };
  liveRoutes(app, { db: deps.db, live: deps.live.sales, streams });
  couponLiveRoutes(app, { db: deps.db, live: deps.live.coupons, streams });
  orderRoutes(app, deps);
  walletRoutes(app, deps);
  productRoutes(app, deps);
  cartRoutes(app, deps);
  rankingRoutes(app, {
    db: deps.db,
    cache: new RankingCache(deps.redis),
    businessTz: deps.businessTz ?? DEFAULT_BUSINESS_TZ,
    weights: deps.rankingWeights ?? DEFAULT_WEIGHTS,
  });
  dashboardRoutes(app);
  return app;
}
