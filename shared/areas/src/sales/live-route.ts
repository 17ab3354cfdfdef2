import type {} from "./tables.js";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { type AppEnv } from "@surge/platform/http/app";
import { type Db } from "@surge/platform/db/database";
import type { LiveHub } from "@surge/platform/live/hub";
import { mountLiveRoute, type LiveStreams } from "@surge/platform/live/stream";
import { saleDiff, type LiveState } from "./live-state.js";
import { findSale } from "./queries.js";

export function liveRoutes(app: OpenAPIHono<AppEnv>, deps: { db: Db; live: LiveHub<LiveState>; streams: LiveStreams }): void {
  mountLiveRoute(app, deps.streams, {
    path: "/events/{eventId}/live",
    description:
      "Server-sent events: `snapshot` (the GET /events/{eventId} body) at once, then `status` ({ status }), " +
      "`stock` ({ dealId, remaining, sold }) and `rate` ({ ordersPerSecond }) as they change; comment heartbeats.",
    hub: deps.live,
    find: (eventId) => findSale(deps.db, eventId),
    diff: saleDiff,
  });
}
