import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { couponBody } from "./http-schemas.js";
import { discountSchema } from "./coupon-events.js";
import { type AppEnv } from "@surge/platform/http/app";
import { commandContext, positionHeader } from "@surge/platform/http/command-context";
import { jsonResponse } from "@surge/platform/http/response-text";
import { claimCoupon, type ClaimDeps } from "./claim-command.js";
import { createCoupon } from "./create-command.js";

const instant = z.iso.datetime({ offset: true });

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

const problem = {
  content: { "application/problem+json": { schema: z.object({ code: z.string(), detail: z.string() }).passthrough() } },
  description: "Problem",
};
const security = [{ bearer: [] }];

const createCouponRoute = createRoute({
  method: "post",
  path: "/admin/coupons",
  tags: ["coupons"],
  security,
  request: { body: { required: true, content: { "application/json": { schema: createCouponBody } } } },
  responses: { 201: { content: { "application/json": { schema: couponBody } }, description: "Created" }, 400: problem, 401: problem, 403: problem },
});

const claimRoute = createRoute({
  method: "post",
  path: "/coupons/{couponId}/claims",
  tags: ["coupons"],
  security,
  request: { params: z.object({ couponId: z.string().min(1).max(64) }) },
  responses: { 201: { content: { "application/json": { schema: claimBody } }, description: "Claimed" }, 404: problem, 409: problem, 503: problem },
});

export function couponRoutes(app: OpenAPIHono<AppEnv>, deps: ClaimDeps): void {
  app.openapi(createCouponRoute, async (c) => {
    const { coupon, position } = await createCoupon(deps, c.req.valid("json"), commandContext(c));
    positionHeader(c, position);
    return jsonResponse(c, coupon, 201);
  });

  app.openapi(claimRoute, async (c) => {
    const { claim, position } = await claimCoupon(deps, c.req.valid("param").couponId, commandContext(c));
    positionHeader(c, position);
    return jsonResponse(c, claim, 201);
  });
}
