import type {} from "./tables.js";
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { notFound } from "@surge/platform/errors";
import { type AppEnv } from "@surge/platform/http/app";
import { type Db } from "@surge/platform/db/database";
import { problem, queryHeaders, security } from "@surge/platform/http/query-openapi";
import { cursorParam, decodeCursor, limitParam, pageOf } from "@surge/platform/http/pagination";
import { projectionHeaders } from "@surge/platform/http/read-your-writes";
import { findOrder, listUserOrders, orderStatuses } from "./queries.js";

const orderBody = z
  .object({
    orderId: z.string(),
    status: z.enum(orderStatuses),
    eventId: z.string(),
    items: z.array(
      z.object({
        dealId: z.string(),
        productId: z.string(),
        productName: z.string(),
        quantity: z.number().int(),
        unitPrice: z.number().int(),
        lineAmount: z.number().int(),
      }),
    ),
    totalAmount: z.number().int(),
    discountAmount: z.number().int(),
    payableAmount: z.number().int(),
    couponClaimId: z.string().nullable(),
    createdAt: z.string(),
    expiresAt: z.string(),
    cancelReason: z.string().nullable(),
    payment: z.object({ paymentId: z.string(), method: z.string(), status: z.string(), amount: z.number().int() }).nullable(),
    goods: z.object({ name: z.string(), status: z.string() }).nullable(),
    paidAt: z.string().nullable(),
    updatedAt: z.string(),
  })
  .openapi("OrderView");

const myOrdersRoute = createRoute({
  method: "get",
  path: "/me/orders",
  tags: ["orders"],
  security,
  request: { query: z.object({ status: z.enum(orderStatuses).or(z.literal("")).optional(), limit: limitParam, cursor: cursorParam }), headers: queryHeaders },
  responses: {
    200: {
      content: { "application/json": { schema: z.object({ items: z.array(orderBody), nextCursor: z.string().nullable() }) } },
      headers: projectionHeaders,
      description: "The caller's orders, newest first",
    },
    400: problem,
    401: problem,
    503: problem,
  },
});

const getOrderRoute = createRoute({
  method: "get",
  path: "/orders/{orderId}",
  tags: ["orders"],
  security,
  request: { params: z.object({ orderId: z.string().min(1).max(64) }), headers: queryHeaders },
  responses: {
    200: { content: { "application/json": { schema: orderBody } }, headers: projectionHeaders, description: "The order (its owner or an admin only)" },
    400: problem,
    401: problem,
    404: problem,
    503: problem,
  },
});

export function orderRoutes(app: OpenAPIHono<AppEnv>, deps: { db: Db }): void {
  app.openapi(myOrdersRoute, async (c) => {
    const { status, limit, cursor } = c.req.valid("query");
    const rows = await listUserOrders(deps.db, c.get("user").id, { status: status || undefined, after: decodeCursor(cursor), limit });
    const page = pageOf(rows, limit, (o) => ({ at: new Date(o.createdAt), id: o.orderId }));
    return c.json({ items: page.rows, nextCursor: page.nextCursor }, 200);
  });

  app.openapi(getOrderRoute, async (c) => {
    const user = c.get("user");
    const order = await findOrder(deps.db, c.req.valid("param").orderId);
    // Someone else's order is as absent as an unknown one: its existence is not disclosed.
    if (!order || (order.userId !== user.id && user.role !== "admin")) throw notFound("order");
    return c.json(order.view, 200);
  });
}
