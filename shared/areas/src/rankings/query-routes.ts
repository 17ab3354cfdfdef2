import type {} from "./tables.js";
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { businessDate, isCalendarDate, periodRange, periods, type Period } from "./calendar.js";
import { MAX_RANKING, topProducts, type RankedProduct } from "./top.js";
import { rankOrders, type RankOrder, type ScoreWeights } from "./metric-tables.js";
import { type AppEnv } from "@surge/platform/http/app";
import { type Db } from "@surge/platform/db/database";
import { notModified, problem, publicHeaders } from "@surge/platform/http/query-openapi";
import { projectionHeaders, projectionPositionOf } from "@surge/platform/http/read-your-writes";
import { jsonTextResponse, toJsonText, type JsonText } from "@surge/platform/http/response-text";
import type { RankingCache } from "./cache.js";

const rankingQuery = z.object({
  period: z.enum(periods).default("DAILY"),
  date: z
    .string()
    .refine(isCalendarDate, "must be a calendar date YYYY-MM-DD")
    .optional()
    .openapi({ description: "Any day of the period, in BUSINESS_TZ; today when absent", example: "2026-11-30" }),
  by: z
    .enum(rankOrders)
    .default("QUANTITY")
    .openapi({ description: "SCORE: RANKING_WEIGHT_VIEW × views + RANKING_WEIGHT_LIKE × likes + RANKING_WEIGHT_ORDER × quantity" }),
  limit: z.coerce.number().int().min(1).max(MAX_RANKING).default(10).openapi({ type: "integer", minimum: 1, maximum: MAX_RANKING, default: 10 }),
});

const rankedBody = z
  .object({
    rank: z.number().int(),
    productId: z.string(),
    name: z.string(),
    quantity: z.number().int(),
    revenue: z.number().int(),
    orders: z.number().int(),
    views: z.number().int(),
    likes: z.number().int().openapi({ description: "Likes given in the period net of likes withdrawn in it" }),
    score: z.number(),
  })
  .openapi("RankedProduct");

const rankingBody = z
  .object({ period: z.enum(periods), from: z.string(), to: z.string(), by: z.enum(rankOrders), items: z.array(rankedBody) })
  .openapi("ProductRanking");

const rankingRoute = createRoute({
  method: "get",
  path: "/rankings/products",
  tags: ["rankings"],
  description:
    "Best-selling products of a day, ISO week (Mon–Sun) or calendar month in BUSINESS_TZ. Paid orders net of cancellations and refunds, " +
    "each in the period of its payment; revenue is each line's share of the amount paid. Views and likes count on the business date they happened. " +
    "by=SCORE orders by the weighted sum of views, likes and units sold. Ties by productId ascending.",
  request: { query: rankingQuery, headers: publicHeaders },
  responses: {
    200: { content: { "application/json": { schema: rankingBody } }, headers: projectionHeaders, description: "The period's top products" },
    304: notModified,
    400: problem,
    503: problem,
  },
});

export interface RankingDeps {
  db: Db;
  cache: RankingCache<RankedProduct[]>;
  businessTz: string;
  /** RANKING_WEIGHT_*: how by=SCORE weighs views, likes and units. */
  weights: ScoreWeights;
}

/**
 * Response bodies rendered from one cached list, per limit. Keyed by the list object itself: while
 * the cache hands out the same list, a hot ranking is serialized once, not once per request; a
 * list that leaves the cache takes its bodies with it.
 */
type Ranking = { period: Period; from: string; to: string; by: RankOrder; items: RankedProduct[] };
const rendered = new WeakMap<RankedProduct[], Map<string, JsonText<Ranking>>>();

function render(top: RankedProduct[], body: Omit<Ranking, "items">, limit: number): JsonText<Ranking> {
  let bodies = rendered.get(top);
  if (!bodies) rendered.set(top, (bodies = new Map()));
  const key = `${body.period}:${body.from}:${body.by}:${limit}`;
  let text = bodies.get(key);
  if (text === undefined) bodies.set(key, (text = toJsonText({ ...body, items: top.slice(0, limit) })));
  return text;
}

/** Period bounds of recent requests: a handful of dates are asked for over and over. */
const ranges = new Map<string, { from: string; to: string }>();
function rangeOf(period: Period, date: string) {
  const key = `${period}:${date}`;
  let range = ranges.get(key);
  if (!range) {
    if (ranges.size >= 1024) ranges.clear();
    ranges.set(key, (range = periodRange(period, date)));
  }
  return range;
}

/**
 * Today in BUSINESS_TZ, formatted once a minute rather than on every request (Intl's formatToParts
 * costs a few µs): zone offsets are whole minutes, so the date can only change as a minute starts.
 */
function todayIn(tz: string): () => string {
  let minute = Number.NaN;
  let date = "";
  return () => {
    const now = Date.now();
    const current = Math.floor(now / 60_000);
    if (current !== minute) {
      date = businessDate(new Date(now), tz);
      minute = current;
    }
    return date;
  };
}

export function rankingRoutes(app: OpenAPIHono<AppEnv>, deps: RankingDeps): void {
  const today = todayIn(deps.businessTz);
  const weightsKey = `${deps.weights.view}/${deps.weights.like}/${deps.weights.order}`;
  app.openapi(rankingRoute, async (c) => {
    const { period, date, by, limit } = c.req.valid("query");
    const { from, to } = rangeOf(period, date ?? today());
    // The top 100 is cached once per period and checkpoint; every limit is a slice of it.
    // Every item carries its score, so the weights are part of every key (processes may differ in them).
    const key = `rankings:${projectionPositionOf(c)}:${period}:${from}:${by}:${weightsKey}`;
    const top = await deps.cache.get(key, () => topProducts(deps.db, period, from, by, MAX_RANKING, deps.weights));
    return jsonTextResponse(c, render(top, { period, from, to, by }, limit), 200);
  });
}
