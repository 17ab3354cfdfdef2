import type {} from "./tables.js";
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { notFound } from "@surge/platform/errors";
import { type AppEnv } from "@surge/platform/http/app";
import { type Db } from "@surge/platform/db/database";
import { notModified, problem, publicHeaders } from "@surge/platform/http/query-openapi";
import { cursorParam, decodeCursor, limitParam, pageOf } from "@surge/platform/http/pagination";
import { projectionHeaders } from "@surge/platform/http/read-your-writes";
import { eventStatuses, findEvent, listEvents } from "./queries.js";
import { eventBody, eventIdParam } from "./query-schemas.js";

const getEventRoute = createRoute({
  method: "get",
  path: "/events/{eventId}",
  tags: ["events"],
  request: { params: eventIdParam, headers: publicHeaders },
  responses: {
    200: { content: { "application/json": { schema: eventBody } }, headers: projectionHeaders, description: "The event, its deals and what is left of each" },
    304: notModified,
    400: problem,
    404: problem,
    503: problem,
  },
});

const listEventsRoute = createRoute({
  method: "get",
  path: "/events",
  tags: ["events"],
  request: {
    // `status=` (empty) means no filter, as for /me/coupons.
    query: z.object({ status: z.enum(eventStatuses).or(z.literal("")).optional(), limit: limitParam, cursor: cursorParam }),
    headers: publicHeaders,
  },
  responses: {
    200: {
      content: { "application/json": { schema: z.object({ items: z.array(eventBody), nextCursor: z.string().nullable() }) } },
      headers: projectionHeaders,
      description: "Events by opening time, soonest first",
    },
    304: notModified,
    400: problem,
    503: problem,
  },
});

export function eventRoutes(app: OpenAPIHono<AppEnv>, deps: { db: Db }): void {
  app.openapi(getEventRoute, async (c) => {
    const event = await findEvent(deps.db, c.req.valid("param").eventId);
    if (!event) throw notFound("event");
    return c.json(event, 200);
  });

  app.openapi(listEventsRoute, async (c) => {
    const { status, limit, cursor } = c.req.valid("query");
    const rows = await listEvents(deps.db, { status: status || undefined, after: decodeCursor(cursor), limit });
    const page = pageOf(rows, limit, (e) => ({ at: new Date(e.opensAt), id: e.eventId }));
    return c.json({ items: page.rows, nextCursor: page.nextCursor }, 200);
  });
}
