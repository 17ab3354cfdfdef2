import type {} from "./tables.js";
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { discountSchema } from "./coupon-events.js";
import { couponBody as definitionBody } from "./http-schemas.js";
import { notFound } from "@surge/platform/errors";
import { type AppEnv } from "@surge/platform/http/app";
import { type Db } from "@surge/platform/db/database";
import { problem, queryHeaders, security, publicLookupRoute, publicPageRoute } from "@surge/platform/http/query-openapi";
import { projectionHeaders } from "@surge/platform/http/read-your-writes";
import { cursorParam, decodeCursor, limitParam, pageOf } from "@surge/platform/http/pagination";
import { claimStatuses, couponListStatuses, findCoupon, listCoupons, listUserClaims } from "./queries.js";

/** The definition as created, with how many were claimed and are left. */
const couponBody = definitionBody.extend({ claimed: z.number().int(), remaining: z.number().int() }).openapi("CouponView");

const userClaimBody = z
  .object({
    claimId: z.string(),
    couponId: z.string(),
    name: z.string(),
    discount: discountSchema,
    minOrderAmount: z.number().int(),
    status: z.enum(claimStatuses),
    claimedAt: z.string(),
    expiresAt: z.string().nullable(),
    orderId: z.string().nullable(),
  })
  .openapi("UserCouponClaim");

const getCouponRoute = publicLookupRoute("/coupons/{couponId}", "coupons", couponBody, "The coupon and how many are left");

const listCouponsRoute = publicPageRoute({
  path: "/coupons",
  tag: "coupons",
  summary:
    "Coupon drops by the opening of their claim window, soonest first. OPEN: claimable now (window open, units left); UPCOMING: the window opens later; absent: every drop.",
  query: z.object({ status: z.enum(couponListStatuses).or(z.literal("")).optional(), limit: limitParam, cursor: cursorParam }),
  item: couponBody,
  description: "A page of coupon drops",
});

const myCouponsRoute = createRoute({
  method: "get",
  path: "/me/coupons",
  tags: ["coupons"],
  security,
  // `status=` (empty) means no filter, as the contract writes the query: `?status=`.
  request: { query: z.object({ status: z.enum(claimStatuses).or(z.literal("")).optional() }), headers: queryHeaders },
  responses: {
    200: {
      content: { "application/json": { schema: z.object({ items: z.array(userClaimBody) }) } },
      headers: projectionHeaders,
      description: "The caller's claims, newest first",
    },
    400: problem,
    401: problem,
    503: problem,
  },
});

export function couponRoutes(app: OpenAPIHono<AppEnv>, deps: { db: Db }): void {
  app.openapi(getCouponRoute, async (c) => {
    const coupon = await findCoupon(deps.db, c.req.valid("param").couponId);
    if (!coupon) throw notFound("coupon");
    return c.json(coupon, 200);
  });

  app.openapi(listCouponsRoute, async (c) => {
    const { status, limit, cursor } = c.req.valid("query");
    const rows = await listCoupons(deps.db, { status: status || undefined, now: new Date(), after: decodeCursor(cursor), limit });
    const page = pageOf(rows, limit, (v) => ({ at: new Date(v.claimOpensAt), id: v.couponId }));
    return c.json({ items: page.rows, nextCursor: page.nextCursor }, 200);
  });

  app.openapi(myCouponsRoute, async (c) => {
    const items = await listUserClaims(deps.db, c.get("user").id, { status: c.req.valid("query").status || undefined, now: new Date() });
    return c.json({ items }, 200);
  });
}
