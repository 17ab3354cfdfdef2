import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { requestHeader, responseHeader } from "./node-headers.js";

/** What a browser front end sends and may read: auth, idempotency, read-your-writes, conditional reads. */
const ALLOW_HEADERS = ["Authorization", "Content-Type", "Idempotency-Key", "X-Min-Position", "If-None-Match", "X-Request-Id"];
const EXPOSE_HEADERS = ["ETag", "X-Position", "X-Projection-Position", "Idempotency-Replayed", "Retry-After", "X-Request-Id"];
const ALLOW_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"];

/**
 * CORS for the origins in CORS_ORIGINS (hono's cors middleware), preflight included: a preflight
 * from a listed origin is answered 204 before authentication. A request from any other origin,
 * or with none, passes untouched: no Access-Control-* header, so a browser refuses the answer to
 * a page of an unlisted origin. Every response varies by Origin then, so a shared cache never
 * hands one origin's answer to another. Null without origins: no middleware at all.
 */
export function corsFor(origins: readonly string[]): MiddlewareHandler | null {
  if (origins.length === 0) return null;
  const listed = new Set(origins);
  const handle = cors({
    origin: (origin) => (listed.has(origin) ? origin : null),
    allowMethods: ALLOW_METHODS,
    allowHeaders: ALLOW_HEADERS,
    exposeHeaders: EXPOSE_HEADERS,
    maxAge: 600,
  });
  return (c, next) => {
    const origin = requestHeader(c, "origin");
    if (origin !== undefined && listed.has(origin)) return handle(c, next);
    responseHeader(c, "Vary", "Origin");
    return next();
  };
}
