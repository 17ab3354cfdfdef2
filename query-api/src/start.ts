import { listen } from "@surge/platform/http/server";
import { openInfrastructure } from "@surge/platform/infrastructure";
import { jwtVerifierOptions } from "@surge/platform/config";
import { TokenVerifier } from "@surge/platform/http/token-verifier";
import { createQueryApp } from "./app.js";
import type { QueryApiEnv } from "./env.js";
import { LiveHub } from "@surge/platform/live/hub";
import { readLiveState } from "@surge/areas/sales/live-state";
import { readCouponLiveState } from "@surge/areas/coupons/live-state";
import { ProjectionPosition } from "@surge/platform/http/projection-position";
import { StoreHead } from "@surge/platform/http/store-head";
import { clientAddressOf } from "@surge/platform/http/client-address";

/** The composition root of query-api: builds every dependency once and knows how to stop them. */
export async function startQueryApi(env: QueryApiEnv) {
  // Built first: a contradictory JWT setting stops the process before it touches MySQL or Redis.
  const tokenVerifier = new TokenVerifier(jwtVerifierOptions(env));
  // The contract's /ready names Redis for both services; query-api also caches rankings in it.
  const { logger, stack, db, redis, metrics, dependencies, drain } = await openInfrastructure("query-api", env);
  const poll = { pollMs: env.LIVE_POLL_MS, logger, metrics };
  const live = {
    sales: new LiveHub({
      ...poll,
      read: (eventId) => readLiveState(db, eventId),
      gauge: { name: "live_stream_subscribers", help: "Open /events/{id}/live streams" },
    }),
    coupons: new LiveHub({
      ...poll,
      read: (couponId) => readCouponLiveState(db, couponId),
      gauge: { name: "coupon_live_stream_subscribers", help: "Open /coupons/{id}/live streams" },
    }),
  };

  const app = createQueryApp({
    db,
    position: new ProjectionPosition(db, env.CHECKPOINT_POLL_MS),
    head: new StoreHead(db),
    minPositionWaitMs: env.MIN_POSITION_WAIT_MS,
    limits: {
      perUser: { perSecond: env.QUERY_RATE_LIMIT_PER_SECOND, burst: env.QUERY_RATE_LIMIT_BURST },
      perAddress: { perSecond: env.PUBLIC_RATE_LIMIT_PER_SECOND, burst: env.PUBLIC_RATE_LIMIT_BURST },
      live: { perClient: env.LIVE_MAX_PER_CLIENT, total: env.LIVE_MAX_TOTAL },
    },
    clientAddress: clientAddressOf(env.TRUST_PROXY),
    tokenVerifier,
    live,
    liveHeartbeatMs: env.LIVE_HEARTBEAT_MS,
    liveRetryMs: env.LIVE_RETRY_MS,
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
  stack.add(async () => {
    live.sales.stop();
    live.coupons.stop();
  });
  logger.info({ url: server.url }, "query-api listening");
  return { url: server.url, port: server.port, logger, stop: () => stack.stop() };
}

export type QueryApi = Awaited<ReturnType<typeof startQueryApi>>;
