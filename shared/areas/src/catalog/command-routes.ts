import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { metadataFor } from "@surge/platform/command/context";
import { ConcurrencyError } from "@surge/platform/errors";
import { appendEndPosition, replayOf } from "@surge/platform/command/replay";
import { ProductCreated, productStream } from "./events.js";
import { newEvent } from "@surge/platform/events/new-event";
import type { ProductDirectory } from "./directory.js";
import { type AppEnv } from "@surge/platform/http/app";
import { type EventStore } from "@surge/platform/eventstore/types";
import { commandContext, createdIdFor, positionHeader } from "@surge/platform/http/command-context";
import { jsonResponse } from "@surge/platform/http/response-text";
import { idempotencyKeyParameter, json, jsonBody, problem, security } from "@surge/platform/http/openapi";

const productBody = z.strictObject({ name: z.string().min(1).max(200), price: z.number().int().min(0).max(100_000_000) });
const product = z.object({ productId: z.string(), name: z.string(), price: z.number().int() }).openapi("Product");

const createProductRoute = createRoute({
  method: "post",
  path: "/admin/products",
  tags: ["sales"],
  security,
  parameters: [idempotencyKeyParameter(false)],
  request: { body: jsonBody(productBody) },
  responses: { 201: json(product, "Created"), 400: problem, 401: problem, 403: problem },
});

/** Product ids derive from (admin, Idempotency-Key) when the request has one (see createdIdFor). */
const PRODUCT_ID_NAMESPACE = "5d0f3b8e-2c71-4a96-b1e4-7f3a9c6d2e58";

export function productRoutes(app: OpenAPIHono<AppEnv>, deps: { store: EventStore; products: ProductDirectory }): void {
  app.openapi(createProductRoute, async (c) => {
    const ctx = commandContext(c);
    const data = { productId: createdIdFor(c, PRODUCT_ID_NAMESPACE), ...c.req.valid("json") };
    try {
      const appended = await deps.store.append(productStream(data.productId), "no_stream", [newEvent(ProductCreated, data, { metadata: metadataFor(ctx) })]);
      deps.products.remember(data.productId);
      positionHeader(c, appended.lastPosition);
      return jsonResponse(c, data, 201);
    } catch (err) {
      // The key created this product before: answer as then (or 422 for another body).
      const [first] = err instanceof ConcurrencyError ? await deps.store.readStream(productStream(data.productId), { toVersion: 1 }) : [];
      const created = replayOf(first, ctx);
      if (!created) throw err;
      positionHeader(c, await appendEndPosition(deps.store, created), true);
      return jsonResponse(c, created.data as typeof data, 201);
    }
  });
}
