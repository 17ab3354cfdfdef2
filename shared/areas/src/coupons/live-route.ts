import type {} from "./tables.js";
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { notFound } from "@surge/platform/errors";
import { type AppEnv } from "@surge/platform/http/app";
import { type Db } from "@surge/platform/db/database";
import { queryHeaders } from "@surge/platform/http/query-openapi";
import type { LiveHub } from "@surge/platform/live/hub";
import { liveResponses, serveLive, type LiveStreams } from "@surge/platform/live/stream";
import { couponDiff, type CouponLiveState } from "./live-state.js";
import { findCoupon } from "./queries.js";

const couponLiveRoute = createRoute({
  method: "get",
  path: "/coupons/{couponId}/live",
  tags: ["coupons"],
  request: { params: z.object({ couponId: z.string().min(1).max(64) }), headers: queryHeaders },
  responses: liveResponses(
    "Server-sent events: `snapshot` (the GET /coupons/{couponId} body) at once, then `claims` ({ claimed, remaining }) " +
      "and `rate` ({ perSecond }: claims per second over the last 5 s) as they change; comment heartbeats.",
  ),
});

export function couponLiveRoutes(app: OpenAPIHono<AppEnv>, deps: { db: Db; live: LiveHub<CouponLiveState>; streams: LiveStreams }): void {
  app.openapi(couponLiveRoute, async (c) => {
    const { couponId } = c.req.valid("param");
    return serveLive(c, deps.streams, {
      hub: deps.live,
      key: couponId,
      snapshot: async () => {
        const coupon = await findCoupon(deps.db, couponId);
        if (!coupon) throw notFound("coupon");
        return coupon;
      },
      diff: couponDiff,
    });
  });
}
