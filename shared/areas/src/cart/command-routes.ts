import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { type AppEnv } from "@surge/platform/http/app";
import { commandContext, positionHeader } from "@surge/platform/http/command-context";
import { json, jsonBody, problem, security } from "@surge/platform/http/openapi";
import { MAX_LINE_QUANTITY } from "./cart.js";
import { changeCart, commandCartView, type CartDeps } from "./commands.js";
import { cartBody } from "./view.js";

const dealIdParam = z.object({ dealId: z.string().min(1).max(80) });

const setRoute = createRoute({
  method: "put",
  path: "/cart/items/{dealId}",
  tags: ["cart"],
  security,
  description: "Sets the quantity of one line of the caller's cart (adding the line). A cart holds no stock; at most 20 lines.",
  request: { params: dealIdParam, body: jsonBody(z.strictObject({ quantity: z.number().int().min(1).max(MAX_LINE_QUANTITY) })) },
  responses: { 200: json(cartBody, "The cart"), 400: problem, 401: problem, 404: problem, 429: problem, 503: problem },
});

const removeRoute = createRoute({
  method: "delete",
  path: "/cart/items/{dealId}",
  tags: ["cart"],
  security,
  description: "Removes one line of the caller's cart (idempotent).",
  request: { params: dealIdParam },
  responses: { 200: json(cartBody, "The cart"), 400: problem, 401: problem, 404: problem, 429: problem, 503: problem },
});

export function cartRoutes(app: OpenAPIHono<AppEnv>, deps: CartDeps): void {
  app.openapi(setRoute, async (c) => {
    const { state, position } = await changeCart(deps, c.req.valid("param").dealId, c.req.valid("json").quantity, commandContext(c));
    if (position !== null) positionHeader(c, position);
    return c.json(await commandCartView(deps, state), 200);
  });

  app.openapi(removeRoute, async (c) => {
    const { state, position } = await changeCart(deps, c.req.valid("param").dealId, null, commandContext(c));
    if (position !== null) positionHeader(c, position);
    return c.json(await commandCartView(deps, state), 200);
  });
}
