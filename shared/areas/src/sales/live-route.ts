import type {} from "./tables.js";
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { streamSSE } from "hono/streaming";
import { notFound } from "@surge/platform/errors";
import { type AppEnv } from "@surge/platform/http/app";
import { type Db } from "@surge/platform/db/database";
import { problem, queryHeaders } from "@surge/platform/http/query-openapi";
import type { StreamSlots } from "@surge/platform/http/stream-slots";
import type { LiveHub } from "./live-hub.js";
import { LiveClient } from "./live-stream.js";
import { findSale } from "./queries.js";
import { saleIdParam } from "./query-schemas.js";

const liveRoute = createRoute({
  method: "get",
  path: "/events/{eventId}/live",
  tags: ["events"],
  request: { params: saleIdParam, headers: queryHeaders },
  responses: {
    200: {
      content: { "text/event-stream": { schema: z.string() } },
      description:
        "Server-sent events: `snapshot` (the GET /events/{eventId} body) at once, then `status` ({ status }), " +
        "`stock` ({ dealId, remaining, sold }) and `rate` ({ ordersPerSecond }) as they change; comment heartbeats.",
    },
    400: problem,
    404: problem,
    429: { ...problem, description: "Too many live streams are open, from this client or in all (Retry-After)" },
    503: problem,
  },
});

export function liveRoutes(app: OpenAPIHono<AppEnv>, deps: { db: Db; live: LiveHub; heartbeatMs: number; slots: StreamSlots }): void {
  app.openapi(liveRoute, async (c) => {
    const { eventId } = c.req.valid("param");
    // Taken first, so a refused client costs no query; held until the stream ends, however it ends.
    const free = deps.slots.take(c);
    let streaming = false;
    try {
      // Read before streaming starts, so an unknown event is a plain 404 problem, not an empty stream.
      const snapshot = await findSale(deps.db, eventId);
      if (!snapshot) throw notFound("event");
      const response = streamSSE(c, async (stream) => {
        const ended = new Promise<void>((resolve) => stream.onAbort(resolve));
        let unsubscribe: () => void = () => undefined;
        let heartbeat: NodeJS.Timeout | undefined;
        try {
          await stream.writeSSE({ event: "snapshot", data: JSON.stringify(snapshot) });
          // Subscribed after the snapshot was read: every state it gets is at least as new as the snapshot.
          const client = new LiveClient(stream, snapshot);
          unsubscribe = deps.live.subscribe(eventId, { onState: (s) => client.push(s), onClose: () => stream.abort() });
          // Comments keep proxies from closing an idle stream; a dead client shows up as an abort.
          heartbeat = setInterval(() => void stream.write(": heartbeat\n\n"), deps.heartbeatMs);
          await ended;
        } finally {
          clearInterval(heartbeat);
          unsubscribe();
          free();
        }
      });
      streaming = true;
      return response;
    } finally {
      if (!streaming) free();
    }
  });
}
