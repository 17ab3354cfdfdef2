import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { scheduleSale, transitionSale, type SaleDeps } from "./schedule.js";
import { type AppEnv } from "@surge/platform/http/app";
import { type SaleDefinitions } from "./definitions.js";
import { type SaleDefinition } from "./events.js";
import { commandContext, createdIdFor, positionHeader } from "@surge/platform/http/command-context";
import { jsonResponse } from "@surge/platform/http/response-text";
import { idempotencyKeyParameter, instant, json, jsonBody, problem, security } from "@surge/platform/http/openapi";

const saleBody = z.strictObject({
  name: z.string().min(1).max(200),
  opensAt: instant,
  closesAt: instant.optional(),
  deals: z
    .array(
      z.strictObject({
        productId: z.string().min(1).max(64),
        salePrice: z.number().int().min(0).max(100_000_000),
        stock: z.number().int().min(1).max(10_000_000),
        perUserLimit: z.number().int().min(1).max(10_000_000).default(1),
      }),
    )
    .min(1)
    .max(50),
  goods: z.strictObject({ name: z.string().min(1).max(200), quantity: z.number().int().min(1).max(10_000_000) }).optional(),
});

const saleView = z
  .object({
    eventId: z.string(),
    name: z.string(),
    status: z.enum(["SCHEDULED", "OPEN", "CLOSED"]),
    opensAt: z.string(),
    closesAt: z.string().nullable(),
    deals: z.array(z.object({ dealId: z.string(), productId: z.string(), salePrice: z.number(), stock: z.number(), perUserLimit: z.number() })),
    goods: z.object({ name: z.string(), quantity: z.number() }).nullable(),
  })
  .openapi("SaleEvent");

const viewOf = (d: SaleDefinition, status: "SCHEDULED" | "OPEN" | "CLOSED") => ({
  eventId: d.eventId,
  name: d.name,
  status,
  opensAt: d.opensAt,
  closesAt: d.closesAt,
  deals: d.deals.map(({ dealId, productId, salePrice, stock, perUserLimit }) => ({ dealId, productId, salePrice, stock, perUserLimit })),
  goods: d.goods,
});

const createSaleRoute = createRoute({
  method: "post",
  path: "/admin/events",
  tags: ["sales"],
  security,
  parameters: [idempotencyKeyParameter(false)],
  request: { body: jsonBody(saleBody) },
  responses: { 201: json(saleView, "Created"), 400: problem, 401: problem, 403: problem },
});

const transitionRoute = (to: "open" | "close") =>
  createRoute({
    method: "post",
    path: `/admin/events/{eventId}/${to}`,
    tags: ["sales"],
    security,
    request: { params: z.object({ eventId: z.string().min(1).max(64) }) },
    responses: { 200: json(saleView, "Current state"), 404: problem, 409: problem },
  });

/** Sale (event) ids derive from (admin, Idempotency-Key) when the request has one (see createdIdFor). */
const SALE_ID_NAMESPACE = "c8a4f1d7-3e92-4b6c-a05f-1d7e3b9c5a82";

export function saleRoutes(app: OpenAPIHono<AppEnv>, deps: SaleDeps & { sales: SaleDefinitions }): void {
  app.openapi(createSaleRoute, async (c) => {
    const { definition, status, position, replayed } = await scheduleSale(deps, c.req.valid("json"), commandContext(c), createdIdFor(c, SALE_ID_NAMESPACE));
    deps.sales.remember(definition);
    positionHeader(c, position, replayed);
    return jsonResponse(c, viewOf(definition, status), 201);
  });

  for (const [to, target] of [
    ["open", "OPEN"],
    ["close", "CLOSED"],
  ] as const) {
    app.openapi(transitionRoute(to), async (c) => {
      const { state, position } = await transitionSale(deps, c.req.valid("param").eventId, target, true, commandContext(c));
      if (state.status === "absent") throw new Error("transition of an absent event");
      if (position !== null) positionHeader(c, position);
      return jsonResponse(c, viewOf(state.definition, state.status), 200);
    });
  }
}
