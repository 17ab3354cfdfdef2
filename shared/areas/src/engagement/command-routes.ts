import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { notFound } from "@surge/platform/errors";
import { type AppEnv } from "@surge/platform/http/app";
import { commandContext, positionHeader } from "@surge/platform/http/command-context";
import { json, problem, security } from "@surge/platform/http/openapi";
import { setLike, type LikeDeps } from "./like-command.js";
import type { ViewRecorder } from "./views.js";

const productIdParam = z.object({ productId: z.string().min(1).max(64) });
const likeView = z.object({ productId: z.string(), liked: z.boolean(), likes: z.number().int() }).openapi("ProductLike");
const viewAccepted = z
  .object({
    productId: z.string(),
    counted: z.boolean().openapi({ description: "false: the user's view of this product was already counted in the last VIEW_DEDUP_S seconds" }),
  })
  .openapi("ProductViewAccepted");

const likeRoute = (method: "put" | "delete") =>
  createRoute({
    method,
    path: "/products/{productId}/like",
    tags: ["engagement"],
    security,
    description: method === "put" ? "Like the product (idempotent)." : "Withdraw the caller's like (idempotent).",
    request: { params: productIdParam },
    responses: { 200: json(likeView, "The caller's like and the product's likes"), 400: problem, 401: problem, 404: problem, 429: problem, 503: problem },
  });

const viewRoute = createRoute({
  method: "post",
  path: "/products/{productId}/views",
  tags: ["engagement"],
  security,
  description: "A view of the product: counts at most once per user and product per VIEW_DEDUP_S seconds.",
  request: { params: productIdParam },
  responses: { 202: json(viewAccepted, "Accepted"), 400: problem, 401: problem, 404: problem, 429: problem, 503: problem },
});

export function engagementRoutes(app: OpenAPIHono<AppEnv>, deps: LikeDeps & { views: ViewRecorder }): void {
  for (const [method, liked] of [
    ["put", true],
    ["delete", false],
  ] as const) {
    app.openapi(likeRoute(method), async (c) => {
      const { productId } = c.req.valid("param");
      const { likes, position } = await setLike(deps, productId, liked, commandContext(c));
      if (position !== null) positionHeader(c, position);
      return c.json({ productId, liked, likes }, 200);
    });
  }

  app.openapi(viewRoute, async (c) => {
    const { productId } = c.req.valid("param");
    const known = deps.products.exists(productId);
    if (!(known === true || (await known))) throw notFound("product");
    const counted = await deps.views.record(productId, c.get("user").id, new Date());
    return c.json({ productId, counted }, 202);
  });
}
