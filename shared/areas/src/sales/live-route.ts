import type {} from "./tables.js";
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { notFound } from "@surge/platform/errors";
import { type AppEnv } from "@surge/platform/http/app";
import { type Db } from "@surge/platform/db/database";
import { queryHeaders } from "@surge/platform/http/query-openapi";
import type { LiveHub } from "@surge/platform/live/hub";
import { liveResponses, serveLive, type LiveStreams } from "@surge/platform/live/stream";
import { saleDiff, type LiveState } from "./live-state.js";
import { findSale } from "./queries.js";
import { saleIdParam } from "./query-schemas.js";

const liveRoute = createRoute({
  method: "get",
  path: "/events/{eventId}/live",
  tags: ["events"],
  request: { params: saleIdParam, headers: queryHeaders },
  responses: liveResponses(
    "Server-sent events: `snapshot` (the GET /events/{eventId} body) at once, then `status` ({ status }), " +
      "`stock` ({ dealId, remaining, sold }) and `rate` ({ ordersPerSecond }) as they change; comment heartbeats.",
  ),
});

export function liveRoutes(app: OpenAPIHono<AppEnv>, deps: { db: Db; live: LiveHub<LiveState>; streams: LiveStreams }): void {
  app.openapi(liveRoute, async (c) => {
    const { eventId } = c.req.valid("param");
    return serveLive(c, deps.streams, {
      hub: deps.live,
      key: eventId,
      snapshot: async () => {
        const sale = await findSale(deps.db, eventId);
        if (!sale) throw notFound("event");
        return sale;
      },
      diff: saleDiff,
    });
  });
}
