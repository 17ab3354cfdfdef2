import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { type AppEnv } from "@surge/platform/http/app";
import { type Db } from "@surge/platform/db/database";
import { problem, queryHeaders, security } from "@surge/platform/http/query-openapi";
import { projectionHeaders } from "@surge/platform/http/read-your-writes";
import { findCart } from "./queries.js";
import { cartBody } from "./view.js";

const myCartRoute = createRoute({
  method: "get",
  path: "/me/cart",
  tags: ["cart"],
  security,
  request: { headers: queryHeaders },
  responses: {
    200: {
      content: { "application/json": { schema: cartBody } },
      headers: projectionHeaders,
      description: "The caller's cart with current prices, stock and sale status",
    },
    400: problem,
    401: problem,
    503: problem,
  },
});

export function cartRoutes(app: OpenAPIHono<AppEnv>, deps: { db: Db }): void {
  app.openapi(myCartRoute, async (c) => c.json(await findCart(deps.db, c.get("user").id), 200));
}
