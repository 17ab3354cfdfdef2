import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { type AppEnv } from "@surge/platform/http/app";
import { cancelOrder, type PaymentDeps } from "../payments/pay.js";
import { type OrderDeps, placeOrder } from "./place.js";
import { placeOrderFromCart } from "./from-cart.js";
import { orderView, viewOf } from "./view.js";
import { commandContext, keyedIdFor, positionHeader, requiredKeyedIdFor } from "@surge/platform/http/command-context";
import { jsonResponse } from "@surge/platform/http/response-text";
import { id, idempotencyKeyParameter, json, jsonBody, problem, security } from "@surge/platform/http/openapi";

const orderBody = z
  .strictObject({
    items: z
      .array(z.strictObject({ dealId: id, quantity: z.number().int().min(1).max(10_000_000) }))
      .min(1)
      .max(10)
      .refine((items) => new Set(items.map((i) => i.dealId)).size === items.length, { message: "a deal may appear only once" })
      .optional(),
    fromCart: z.literal(true).optional().openapi({ description: "Order the caller's cart instead of `items`; the cart is emptied by the order" }),
    couponClaimId: id.nullable().optional(),
  })
  .superRefine((body, ctx) => {
    if ((body.items === undefined) === (body.fromCart === undefined))
      ctx.addIssue({ code: "custom", path: ["items"], message: "give either items or fromCart: true" });
  })
  .openapi({ description: "Either `items`, or `fromCart: true` to order the lines of the caller's cart" });

const item = z.object({
  dealId: z.string(),
  productId: z.string(),
  productName: z.string(),
  quantity: z.number(),
  unitPrice: z.number(),
  lineAmount: z.number(),
});
const orderViewSchema = z
  .object({
    orderId: z.string(),
    status: z.enum(["PENDING_PAYMENT", "PAID", "CANCELLED", "EXPIRED"]),
    eventId: z.string(),
    items: z.array(item),
    totalAmount: z.number(),
    discountAmount: z.number(),
    payableAmount: z.number(),
    couponClaimId: z.string().nullable(),
    createdAt: z.string(),
    expiresAt: z.string(),
  })
  .passthrough()
  .openapi("Order");

const placeRoute = createRoute({
  method: "post",
  path: "/orders",
  tags: ["orders"],
  security,
  parameters: [idempotencyKeyParameter(true)],
  request: { body: jsonBody(orderBody) },
  responses: { 201: json(orderViewSchema, "Placed"), 400: problem, 404: problem, 409: problem, 422: problem, 429: problem, 503: problem },
});

const cancelRoute = createRoute({
  method: "post",
  path: "/orders/{orderId}/cancel",
  tags: ["orders"],
  security,
  parameters: [idempotencyKeyParameter(false)],
  request: { params: z.object({ orderId: id }) },
  responses: { 200: json(orderViewSchema, "Cancelled"), 404: problem, 409: problem },
});

/** Order ids derive from (user, Idempotency-Key): a retried or taken-over request can never place a second order. */
const ORDER_ID_NAMESPACE = "8f4e2a1c-6b1d-4d5e-9a57-3c2f1e0d9b7a";
/** A keyed cancel's OrderCancelled id derives from (user, Idempotency-Key): a retry finds its first answer in the store. */
const CANCEL_ID_NAMESPACE = "e47b2c9a-1f6d-4e83-9a25-8c3d7b1f6e09";

export function orderRoutes(app: OpenAPIHono<AppEnv>, deps: OrderDeps & PaymentDeps): void {
  app.openapi(placeRoute, async (c) => {
    const ctx = commandContext(c);
    const orderId = requiredKeyedIdFor(c, ORDER_ID_NAMESPACE);
    const { items, fromCart, couponClaimId } = c.req.valid("json");
    const { order, position, replayed } = fromCart
      ? await placeOrderFromCart(deps, { orderId, couponClaimId }, ctx)
      : await placeOrder(deps, { orderId, items: items!, couponClaimId }, ctx);
    positionHeader(c, position, replayed);
    return jsonResponse(c, orderView(order, "PENDING_PAYMENT"), 201);
  });

  app.openapi(cancelRoute, async (c) => {
    const ctx = commandContext(c);
    const user = c.get("user");
    const owner = { userId: user.id, isAdmin: user.role === "admin" };
    const reason = user.role === "admin" ? "ADMIN" : "USER";
    const cancelId = keyedIdFor(c, CANCEL_ID_NAMESPACE);
    const { state, position, replayed } = await cancelOrder(deps, c.req.valid("param").orderId, reason, ctx, owner, undefined, cancelId);
    if (position !== null) positionHeader(c, position, replayed);
    return jsonResponse(c, viewOf(state), 200);
  });
}
