import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { metadataFor } from "@surge/platform/command/context";
import { newId } from "@surge/platform/ids";
import { ProductCreated, productStream } from "./events.js";
import { newEvent } from "@surge/platform/events/new-event";
import type { ProductDirectory } from "./directory.js";
import { type AppEnv } from "@surge/platform/http/app";
import { type EventStore } from "@surge/platform/eventstore/types";
import { commandContext, positionHeader } from "@surge/platform/http/command-context";
import { jsonResponse } from "@surge/platform/http/response-text";
import { json, jsonBody, problem, security } from "@surge/platform/http/openapi";

const productBody = z.strictObject({ name: z.string().min(1).max(200), price: z.number().int().min(0).max(100_000_000) });
const product = z.object({ productId: z.string(), name: z.string(), price: z.number().int() }).openapi("Product");

const createProductRoute = createRoute({
  method: "post",
  path: "/admin/products",
  tags: ["sales"],
  security,
  request: { body: jsonBody(productBody) },
  responses: { 201: json(product, "Created"), 400: problem, 401: problem, 403: problem },
});

export function productRoutes(app: OpenAPIHono<AppEnv>, deps: { store: EventStore; products: ProductDirectory }): void {
  app.openapi(createProductRoute, async (c) => {
    const ctx = commandContext(c);
    const data = { productId: newId(), ...c.req.valid("json") };
    const appended = await deps.store.append(productStream(data.productId), "no_stream", [newEvent(ProductCreated, data, { metadata: metadataFor(ctx) })]);
    deps.products.remember(data.productId);
    positionHeader(c, appended.lastPosition);
    return jsonResponse(c, data, 201);
  });
}
