import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { applyOrderCommand } from "../payments/pay.js";
import { viewOf } from "../orders/view.js";
import { type AppEnv } from "@surge/platform/http/app";
import { type EventStore } from "@surge/platform/eventstore/types";
import { commandContext, positionHeader } from "@surge/platform/http/command-context";
import { jsonResponse } from "@surge/platform/http/response-text";
import { id, json, jsonBody, problem, security } from "@surge/platform/http/openapi";

const view = z
  .object({ orderId: z.string(), goods: z.object({ name: z.string(), status: z.string() }).nullable() })
  .passthrough()
  .openapi("OrderGoods");

const shipRoute = createRoute({
  method: "post",
  path: "/admin/orders/{orderId}/goods/ship",
  tags: ["goods"],
  security,
  request: { params: z.object({ orderId: id }), body: jsonBody(z.strictObject({ trackingNo: z.string().min(1).max(64) })) },
  responses: { 200: json(view, "Shipped"), 404: problem, 409: problem },
});
const deliverRoute = createRoute({
  method: "post",
  path: "/admin/orders/{orderId}/goods/deliver",
  tags: ["goods"],
  security,
  request: { params: z.object({ orderId: id }) },
  responses: { 200: json(view, "Delivered"), 404: problem, 409: problem },
});

export function goodsRoutes(app: OpenAPIHono<AppEnv>, deps: { store: EventStore }): void {
  app.openapi(shipRoute, async (c) => {
    const ctx = commandContext(c);
    const { state, position } = await applyOrderCommand(
      deps,
      c.req.valid("param").orderId,
      { type: "ShipGoods", trackingNo: c.req.valid("json").trackingNo, now: ctx.now },
      ctx,
    );
    if (position !== null) positionHeader(c, position);
    return jsonResponse(c, viewOf(state), 200);
  });
  app.openapi(deliverRoute, async (c) => {
    const ctx = commandContext(c);
    const { state, position } = await applyOrderCommand(deps, c.req.valid("param").orderId, { type: "DeliverGoods", now: ctx.now }, ctx);
    if (position !== null) positionHeader(c, position);
    return jsonResponse(c, viewOf(state), 200);
  });
}
