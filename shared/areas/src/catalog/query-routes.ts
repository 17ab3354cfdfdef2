import type {} from "./tables.js";
import { z, type OpenAPIHono } from "@hono/zod-openapi";
import { notFound } from "@surge/platform/errors";
import { type AppEnv } from "@surge/platform/http/app";
import { type Db } from "@surge/platform/db/database";
import { publicLookupRoute, publicPageRoute } from "@surge/platform/http/query-openapi";
import { cursorParam, decodeCursor, limitParam, pageOf } from "@surge/platform/http/pagination";
import { saleStatuses } from "../sales/queries.js";
import { findProduct, listProducts, type ProductView } from "./queries.js";

const productBody = z
  .object({
    productId: z.string(),
    name: z.string(),
    price: z.number().int(),
    likes: z.number().int(),
    views: z.number().int(),
    deals: z.array(
      z.object({
        dealId: z.string(),
        eventId: z.string(),
        eventName: z.string(),
        eventStatus: z.enum(saleStatuses),
        opensAt: z.string(),
        closesAt: z.string().nullable(),
        salePrice: z.number().int(),
        stock: z.number().int(),
        remaining: z.number().int(),
        perUserLimit: z.number().int(),
      }),
    ),
  })
  .openapi("ProductView");

const getProductRoute = publicLookupRoute(
  "/products/{productId}",
  "catalog",
  productBody,
  "The product with its likes, views and the deals of its scheduled and open sales",
);

const listProductsRoute = publicPageRoute({
  path: "/products",
  tag: "catalog",
  query: z.object({
    onSale: z
      .enum(["true", "false"])
      .optional()
      .openapi({ description: "true: only products with a deal in a SCHEDULED or OPEN sale; false: only those without" }),
    limit: limitParam,
    cursor: cursorParam,
  }),
  item: productBody,
  description: "Products, newest first",
});

const withoutKey = ({ createdAt: _createdAt, ...view }: ProductView & { createdAt: Date }): ProductView => view;

export function productRoutes(app: OpenAPIHono<AppEnv>, deps: { db: Db }): void {
  app.openapi(getProductRoute, async (c) => {
    const product = await findProduct(deps.db, c.req.valid("param").productId);
    if (!product) throw notFound("product");
    return c.json(product, 200);
  });

  app.openapi(listProductsRoute, async (c) => {
    const { onSale, limit, cursor } = c.req.valid("query");
    const rows = await listProducts(deps.db, { onSale: onSale === undefined ? undefined : onSale === "true", after: decodeCursor(cursor), limit });
    const page = pageOf(rows, limit, (p) => ({ at: p.createdAt, id: p.productId }));
    return c.json({ items: page.rows.map(withoutKey), nextCursor: page.nextCursor }, 200);
  });
}
