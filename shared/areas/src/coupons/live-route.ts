import type {} from "./tables.js";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { type AppEnv } from "@surge/platform/http/app";
import { type Db } from "@surge/platform/db/database";
import type { LiveHub } from "@surge/platform/live/hub";
import { mountLiveRoute, type LiveStreams } from "@surge/platform/live/stream";
import { couponDiff, type CouponLiveState } from "./live-state.js";
import { findCoupon } from "./queries.js";

export function couponLiveRoutes(app: OpenAPIHono<AppEnv>, deps: { db: Db; live: LiveHub<CouponLiveState>; streams: LiveStreams }): void {
  mountLiveRoute(app, deps.streams, {
    path: "/coupons/{couponId}/live",
    description:
      "Server-sent events: `snapshot` (the GET /coupons/{couponId} body) at once, then `claims` ({ claimed, remaining }) " +
      "and `rate` ({ perSecond }: claims per second over the last 5 s) as they change; comment heartbeats.",
    hub: deps.live,
    find: (couponId) => findCoupon(deps.db, couponId),
    diff: couponDiff,
  });
}
