import type { IncomingMessage, ServerResponse } from "node:http";
import type { Context } from "hono";

/** What @hono/node-server passes as `c.env`; absent when an app is called through `app.request()`. */
type NodeBindings = { incoming?: IncomingMessage; outgoing?: ServerResponse } | undefined;

/** Node's own request, when the app is served by @hono/node-server. */
export const nodeRequest = (c: Context): IncomingMessage | undefined => (c.env as NodeBindings)?.incoming;

/**
 * A request header by its lower-case name, from Node's own parsed headers: `c.req.header()` would
 * first copy every header into an undici Headers, a few µs on a request that needs one or two.
 */
export function requestHeader(c: Context, name: string): string | undefined {
  const incoming = nodeRequest(c);
  if (!incoming) return c.req.header(name);
  const value = incoming.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

/** Headers for the final response of a request served without Node's ServerResponse. */
const pendingHeaders = new WeakMap<Context, Map<string, string>>();

/**
 * Sets a header on whatever response this request ends with, errors included; a later call for
 * the same name wins. On Node it goes straight onto the ServerResponse, which merges it with the
 * response's own headers when they are written (no middleware has to wait for the response, and
 * `c.header()` would turn the response's plain header record into an undici Headers). Without one
 * (`app.request()`), createBaseApp's outermost middleware puts it on the final response.
 */
export function responseHeader(c: Context, name: string, value: string): void {
  const outgoing = (c.env as NodeBindings)?.outgoing;
  if (outgoing) {
    if (!outgoing.headersSent) outgoing.setHeader(name, value);
    return;
  }
  let pending = pendingHeaders.get(c);
  if (!pending) pendingHeaders.set(c, (pending = new Map()));
  pending.set(name.toLowerCase(), value);
}

/** A header set with responseHeader, by its lower-case name: what the response will carry. */
export function sentHeader(c: Context, name: string): string | undefined {
  const outgoing = (c.env as NodeBindings)?.outgoing;
  const value = outgoing ? outgoing.getHeader(name) : pendingHeaders.get(c)?.get(name);
  return value === undefined ? undefined : String(value);
}

/** Puts the headers set without a ServerResponse (see responseHeader) on the final response. */
export function applyPendingHeaders(c: Context): void {
  const pending = pendingHeaders.get(c);
  if (pending) for (const [name, value] of pending) c.res.headers.set(name, value);
}
