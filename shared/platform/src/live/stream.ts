import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import { problem } from "../http/query-openapi.js";
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
