import { listen } from "@surge/platform/http/server";
import { openInfrastructure } from "@surge/platform/infrastructure";
import { createQueryApp } from "./app.js";
import type { QueryApiEnv } from "./env.js";
import { LiveHub } from "@surge/areas/sales/live-hub";
import { readLiveState } from "@surge/areas/sales/live-state";
import { ProjectionPosition } from "@surge/platform/http/projection-position";

/** The composition root of query-api: builds every dependency once and knows how to stop them. */
export async function startQueryApi(env: QueryApiEnv) {
  // The contract's /ready names Redis for both services; query-api also caches rankings in it.
  const { logger, stack, db, redis, metrics, dependencies, drain } = await openInfrastructure("query-api", env);
  const live = new LiveHub((eventId) => readLiveState(db, eventId), env.LIVE_POLL_MS, logger, metrics);

  const app = createQueryApp({
    db,
    position: new ProjectionPosition(db, env.CHECKPOINT_POLL_MS),
    minPositionWaitMs: env.MIN_POSITION_WAIT_MS,
    jwtSecret: env.JWT_SECRET,
    live,
    liveHeartbeatMs: env.LIVE_HEARTBEAT_MS,
    logger,
    metrics,
    dependencies,
    redis,
    businessTz: env.BUSINESS_TZ,
    rankingWeights: { view: env.RANKING_WEIGHT_VIEW, like: env.RANKING_WEIGHT_LIKE, order: env.RANKING_WEIGHT_ORDER },
    publicMaxAgeS: env.PUBLIC_CACHE_MAX_AGE_S,
    corsOrigins: env.CORS_ORIGINS,
  });

  const server = await listen(app.fetch, env.QUERY_API_PORT, { drain });
  stack.add(() => server.close());
  // Stopped before the server closes (the stack runs in reverse): open live streams end first.
  stack.add(async () => live.stop());
  logger.info({ url: server.url }, "query-api listening");
  return { url: server.url, port: server.port, logger, stop: () => stack.stop() };
}

export type QueryApi = Awaited<ReturnType<typeof startQueryApi>>;
