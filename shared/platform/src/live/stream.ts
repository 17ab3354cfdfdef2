import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { notFound } from "../errors.js";
import type { AppEnv } from "../http/app.js";
import { streamSSE } from "hono/streaming";
import { problem, queryHeaders } from "../http/query-openapi.js";
import type { StreamSlots } from "../http/stream-slots.js";
import { LiveClient, type LiveDiff } from "./client.js";
import type { LiveHub } from "./hub.js";

/** What every live stream of a process shares. */
export interface LiveStreams {
  /** The caps on open streams, per client address and in all (429 beyond). */
  slots: StreamSlots;
  /** Interval of the comment lines that keep an idle stream open through proxies. */
  heartbeatMs: number;
  /** The `retry:` sent with the snapshot: how long an EventSource waits before it reconnects by itself. */
  retryMs: number;
}

export interface LiveFeed<V, S> {
  hub: LiveHub<S>;
  key: string;
  /** The first message's body; throws (404) when the watched thing does not exist. */
  snapshot: () => Promise<V>;
  /** The per-client diff, starting from what the snapshot showed. */
  diff: (snapshot: V) => LiveDiff<S>;
}

/**
 * A text/event-stream answer: `snapshot` at once, then the feed's changes as the hub polls them,
 * and heartbeat comments. The slot is taken first, so a refused client costs no query, and is held
 * until the stream ends, however it ends. The snapshot is read before streaming starts, so an
 * unknown key is a plain problem answer, not an empty stream.
 */
export async function serveLive<V, S>(c: Context, streams: LiveStreams, feed: LiveFeed<V, S>): Promise<Response> {
  const free = streams.slots.take(c);
  let streaming = false;
  try {
    const snapshot = await feed.snapshot();
    const response = streamSSE(c, async (stream) => {
      const ended = new Promise<void>((resolve) => stream.onAbort(resolve));
      let unsubscribe: () => void = () => undefined;
      let heartbeat: NodeJS.Timeout | undefined;
      try {
        await stream.writeSSE({ event: "snapshot", data: JSON.stringify(snapshot), retry: streams.retryMs });
        // Subscribed after the snapshot was read: every state it gets is at least as new as the snapshot.
        const client = new LiveClient(stream, feed.diff(snapshot));
        unsubscribe = feed.hub.subscribe(feed.key, { onState: (s) => client.push(s), onClose: () => stream.abort() });
        // A dead client shows up as an abort.
        heartbeat = setInterval(() => void stream.write(": heartbeat\n\n"), streams.heartbeatMs);
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
}

/** The OpenAPI answers of a live stream route; `description` names its messages. */
export const liveResponses = (description: string) => ({
  200: { content: { "text/event-stream": { schema: z.string() } }, description },
  400: problem,
  404: problem,
  429: { ...problem, description: "Too many live streams are open, from this client or in all (Retry-After)" },
  503: problem,
});

export interface LiveRoute<V, S> {
  /**
   * The route's path, with the watched thing's id as its one parameter, e.g. "/coupons/{couponId}/live":
   * its first segment is the OpenAPI tag, and the parameter without "Id" names the thing in a 404.
   */
  path: string;
  description: string;
  hub: LiveHub<S>;
  /** The snapshot of the thing with this id, or null when there is none (404). */
  find: (id: string) => Promise<V | null>;
  diff: (snapshot: V) => LiveDiff<S>;
}

/** Mounts the live stream of one kind of watched thing, answered by serveLive. */
export function mountLiveRoute<V, S>(app: OpenAPIHono<AppEnv>, streams: LiveStreams, r: LiveRoute<V, S>): void {
  const name = /\{(\w+)\}/.exec(r.path)?.[1];
  const tag = r.path.split("/")[1];
  if (!name || !tag) throw new Error(`a live route's path starts with its tag and names its id: ${r.path}`);
  const what = name.replace(/Id$/, "");
  const route = createRoute({
    method: "get",
    path: r.path,
    tags: [tag],
    request: { params: z.object({ [name]: z.string().min(1).max(64) }), headers: queryHeaders },
    responses: liveResponses(r.description),
  });
  app.openapi(route, async (c) => {
    const id = c.req.valid("param")[name]!;
    return serveLive(c, streams, {
      hub: r.hub,
      key: id,
      snapshot: async () => {
        const found = await r.find(id);
        if (!found) throw notFound(what);
        return found;
      },
      diff: r.diff,
    });
  });
}
