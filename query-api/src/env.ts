import { z } from "zod";
import { productionSecrets } from "@surge/areas/production-secrets";
import { baseEnvSchema, corsEnvSchema, jwtEnvSchema, parseEnv, portSchema } from "@surge/platform/config";
import { DEFAULT_WEIGHTS, WEIGHT_PATTERN } from "@surge/areas/rankings/metric-tables";

const perSecond = (fallback: number) => z.coerce.number().positive().default(fallback);
const count = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

const weight = (fallback: string) => z.string().regex(WEIGHT_PATTERN, "must be a non-negative decimal with at most 4 places, such as 0.25").default(fallback);

const schema = baseEnvSchema
  .extend(jwtEnvSchema.shape)
  .extend(corsEnvSchema.shape)
  .extend({
    QUERY_API_PORT: portSchema(3001),
    /** How long a request with X-Min-Position waits for the projector before 503 PROJECTION_LAG (contract: 5 s). */
    MIN_POSITION_WAIT_MS: z.coerce.number().int().min(0).max(60_000).default(5000),
    /** How often this process re-reads the projector checkpoint while requests wait for it. */
    CHECKPOINT_POLL_MS: z.coerce.number().int().min(1).max(1000).default(15),
    /** How often each watched event or coupon drop is polled for its live stream (one loop per watched thing per process). */
    LIVE_POLL_MS: z.coerce.number().int().min(10).max(10_000).default(200),
    /** Interval of the comment lines that keep idle live streams open through proxies. */
    LIVE_HEARTBEAT_MS: z.coerce.number().int().min(10).max(300_000).default(15_000),
    /** The `retry:` the live streams send: how long a browser's EventSource waits before reconnecting after a drop. */
    LIVE_RETRY_MS: z.coerce.number().int().min(100).max(60_000).default(2000),
    /** Per-user token bucket over the authenticated reads (/me, /orders, /admin): a dashboard's page loads and polls fit well inside it. */
    QUERY_RATE_LIMIT_PER_SECOND: perSecond(50),
    QUERY_RATE_LIMIT_BURST: count(100),
    /** Per-client-address token bucket over the public reads; generous, since many people can share one address (NAT). */
    PUBLIC_RATE_LIMIT_PER_SECOND: perSecond(100),
    PUBLIC_RATE_LIMIT_BURST: count(200),
    /**
     * Proxies in front of query-api that each append the address they saw to X-Forwarded-For. 0: the
     * client address is the socket's peer and the header is ignored (any client can send one).
     */
    TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(0),
    /** Open live streams (GET /events/{id}/live and /coupons/{id}/live together) per client address, and in this process. */
    LIVE_MAX_PER_CLIENT: count(20),
    LIVE_MAX_TOTAL: count(10_000),
    /** max-age of the public reads' Cache-Control: a few seconds at most, they show stock. */
    PUBLIC_CACHE_MAX_AGE_S: z.coerce.number().int().min(0).max(60).default(2),
    /** by=SCORE: score = VIEW × views + LIKE × likes + ORDER × units sold. */
    RANKING_WEIGHT_VIEW: weight(DEFAULT_WEIGHTS.view),
    RANKING_WEIGHT_LIKE: weight(DEFAULT_WEIGHTS.like),
    RANKING_WEIGHT_ORDER: weight(DEFAULT_WEIGHTS.order),
  });

export type QueryApiEnv = z.infer<typeof schema>;

/** The only reader of process.env in query-api; `overrides` win (tests). */
export function readEnv(overrides: Record<string, string | undefined> = {}): QueryApiEnv {
  return parseEnv(schema, { ...process.env, ...overrides }, { productionSecrets });
}
