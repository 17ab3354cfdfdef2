import type { IncomingMessage } from "node:http";
import type { Context } from "hono";

/**
 * The one place that writes hono's request body cache (`c.req.bodyCache`), a field hono types but
 * does not document, holding a promise per body form where its type says a value. hono answers
 * `c.req.text()`, `c.req.json()` and its validators from that cache; filling it with the text read
 * from Node's own stream keeps @hono/node-server from building a full fetch Request (AbortSignal,
 * web streams) just to read a small body: a minimal JSON POST takes 2.6 times the CPU without it.
 * hono is pinned to the exact version (every package.json) that hono-body-cache.unit.test.ts
 * checks this against.
 */
export function readBodyFromNode(c: Context, incoming: IncomingMessage): void {
  provideBodyText(c, readText(incoming));
}

/** Hands hono the request body as text: every later read of the body in this request is answered from it. */
export function provideBodyText(c: Context, text: Promise<string>): void {
  (c.req.bodyCache as { text?: unknown }).text = text;
}

function readText(incoming: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.once("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    incoming.once("error", reject);
  });
}
