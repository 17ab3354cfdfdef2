import type {} from "./tables.js";
import { z, type OpenAPIHono } from "@hono/zod-openapi";
import { notFound } from "@surge/platform/errors";
import { type AppEnv } from "@surge/platform/http/app";
import { type Db } from "@surge/platform/db/database";
import { publicLookupRoute, publicPageRoute } from "@surge/platform/http/query-openapi";
import { cursorParam, decodeCursor, limitParam, pageOf } from "@surge/platform/http/pagination";
import { saleStatuses, findSale, listSales } from "./queries.js";
import { saleBody } from "./query-schemas.js";

const getSaleRoute = publicLookupRoute("/events/{eventId}", "events", saleBody, "The event, its deals and what is left of each");

const listSalesRoute = publicPageRoute({
  path: "/events",
  tag: "events",
  // `status=` (empty) means no filter, as for /me/coupons.
  query: z.object({ status: z.enum(saleStatuses).or(z.literal("")).optional(), limit: limitParam, cursor: cursorParam }),
  item: saleBody,
  description: "Events by opening time, soonest first",
});

export function saleRoutes(app: OpenAPIHono<AppEnv>, deps: { db: Db }): void {
  app.openapi(getSaleRoute, async (c) => {
    const event = await findSale(deps.db, c.req.valid("param").eventId);
    if (!event) throw notFound("event");
    return c.json(event, 200);
  });

  app.openapi(listSalesRoute, async (c) => {
    const { status, limit, cursor } = c.req.valid("query");
    const rows = await listSales(deps.db, { status: status || undefined, after: decodeCursor(cursor), limit });
    const page = pageOf(rows, limit, (e) => ({ at: new Date(e.opensAt), id: e.eventId }));
    return c.json({ items: page.rows, nextCursor: page.nextCursor }, 200);
  });
}
