import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { couponBody } from "./http-schemas.js";
import { discountSchema } from "./coupon-events.js";
import { type AppEnv } from "@surge/platform/http/app";
import { idempotencyKeyParameter, instant, json, jsonBody, pathParameter, problem, security } from "@surge/platform/http/openapi";
import { pathParam } from "@surge/platform/http/validation";
import { commandContext, createdIdFor, keyedIdFor, positionHeader } from "@surge/platform/http/command-context";
import { jsonResponse } from "@surge/platform/http/response-text";
import { claimCoupon, type ClaimDeps } from "./claim-command.js";
import { createCoupon } from "./create-command.js";

const createCouponBody = z.strictObject({
  name: z.string().min(1).max(200),
  discount: discountSchema,
  quantity: z.number().int().min(1).max(10_000_000),
  perUserLimit: z.number().int().min(1).max(10_000_000).default(1),
  minOrderAmount: z.number().int().min(0).max(100_000_000).default(0),
  claimOpensAt: instant.optional(),
  claimClosesAt: instant.optional(),
  validUntil: instant.optional(),
});

const claimBody = z
  .object({
    claimId: z.string(),
    couponId: z.string(),
    userId: z.string(),
    status: z.literal("AVAILABLE"),
    claimedAt: z.string(),
    expiresAt: z.string().nullable(),
  })
  .openapi("CouponClaim");

/** Coupon and claim ids derive from (user, Idempotency-Key) when the request has one (see createdIdFor). */
const COUPON_ID_NAMESPACE = "a3c1e7f2-94b6-4d08-8e5a-2b7f1c9d3e64";
const CLAIM_ID_NAMESPACE = "6e2b9d41-7a3c-4f85-b0d6-9c1e4a7f2b35";

const createCouponRoute = createRoute({
  method: "post",
  path: "/admin/coupons",
  tags: ["coupons"],
  security,
  parameters: [idempotencyKeyParameter(false)],
  request: { body: jsonBody(createCouponBody) },
  responses: { 201: json(couponBody, "Created"), 400: problem, 401: problem, 403: problem },
});

const couponIdParam = z.string().min(1).max(64);

const claimRoute = createRoute({
  method: "post",
  path: "/coupons/{couponId}/claims",
  tags: ["coupons"],
  security,
  // The drop's hot route: its one parameter is checked in the handler (see pathParam).
  parameters: [pathParameter("couponId", couponIdParam), idempotencyKeyParameter(false)],
  responses: { 201: json(claimBody, "Claimed"), 404: problem, 409: problem, 503: problem },
});

export function couponRoutes(app: OpenAPIHono<AppEnv>, deps: ClaimDeps): void {
  app.openapi(createCouponRoute, async (c) => {
    const { coupon, position, replayed } = await createCoupon(deps, c.req.valid("json"), commandContext(c), createdIdFor(c, COUPON_ID_NAMESPACE));
    positionHeader(c, position, replayed);
    return jsonResponse(c, coupon, 201);
  });

  app.openapi(claimRoute, async (c) => {
    const { claim, position, replayed } = await claimCoupon(
      deps,
      pathParam(c, "couponId", couponIdParam),
      commandContext(c),
      keyedIdFor(c, CLAIM_ID_NAMESPACE),
    );
    positionHeader(c, position, replayed);
    return jsonResponse(c, claim, 201);
  });
}
