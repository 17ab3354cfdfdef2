import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { MysqlEventStore } from "@surge/platform/eventstore/mysql-event-store";
import { notFound } from "@surge/platform/errors";
import { type AppEnv } from "@surge/platform/http/app";
import { type Db } from "@surge/platform/db/database";

const auditRoute = createRoute({
  method: "get",
  path: "/admin/audit/streams/{streamId}",
  tags: ["audit"],
  security: [{ bearer: [] }],
  request: { params: z.object({ streamId: z.string().min(1).max(191) }) },
  responses: {
    200: {
      description: "The stream's full history from the event store",
      content: {
        "application/json": {
          schema: z.object({
            streamId: z.string(),
            events: z.array(
              z.object({ position: z.number(), version: z.number(), type: z.string(), occurredAt: z.string(), data: z.unknown(), metadata: z.unknown() }),
            ),
          }),
        },
      },
    },
  },
});

/** Reads the store itself, not a read model: an auditor sees exactly what was recorded. */
export function auditRoutes(app: OpenAPIHono<AppEnv>, deps: { db: Db }): void {
  const store = new MysqlEventStore(deps.db);
  app.openapi(auditRoute, async (c) => {
    const streamId = c.req.valid("param").streamId;
    const events = await store.readStream(streamId);
    if (events.length === 0) throw notFound("stream");
    return c.json(
      {
        streamId,
        events: events.map((e) => ({
          position: e.position,
          version: e.version,
          type: e.type,
          occurredAt: e.occurredAt.toISOString(),
          data: e.data,
          metadata: e.metadata,
        })),
      },
      200,
    );
  });
}
