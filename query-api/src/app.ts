import type { Redis } from "ioredis";
import { createBaseApp, DEFAULT_BUSINESS_TZ, requireAuth, type Db, type Dependency, type Logger, type Metrics } from "@surge/shared";
import { auditRoutes } from "./audit/routes.js";
import { couponRoutes } from "./coupons/routes.js";
import type { LiveHub } from "./events/live-hub.js";
import { liveRoutes } from "./events/live-route.js";
import { eventRoutes } from "./events/routes.js";
import { orderRoutes } from "./orders/routes.js";
import type { ProjectionPosition } from "./projection-position.js";
import { RankingCache } from "./rankings/cache.js";
import { rankingRoutes } from "./rankings/routes.js";
import { readModel } from "./read-your-writes.js";
import { rememberValidation } from "./validation.js";
import { walletRoutes } from "./wallet/routes.js";

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
}

/** Every path served from the read models; each carries X-Projection-Position and honours X-Min-Position. */
const queryPaths = ["/coupons/*", "/events/*", "/me/*", "/orders/*", "/rankings/*"];
const authenticatedPaths = ["/me/*", "/orders/*"];

export function createQueryApp(deps: QueryAppDeps) {
  const app = createBaseApp({ title: "Surge query API", logger: deps.logger, metrics: deps.metrics, dependencies: deps.dependencies });
  rememberValidation(app);
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
  rankingRoutes(app, { db: deps.db, cache: new RankingCache(deps.redis ?? null), businessTz: deps.businessTz ?? DEFAULT_BUSINESS_TZ });
  return app;
}
