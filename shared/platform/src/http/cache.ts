import { createHash } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { requestHeader } from "./node-headers.js";

/** Whether If-None-Match names this tag (or is `*`); weak tags compare by their opaque part. */
export function etagMatches(ifNoneMatch: string | undefined, tag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  if (ifNoneMatch.trim() === "*") return true;
  return ifNoneMatch.split(",").some((t) => t.trim().replace(/^W\//, "") === tag);
}

/**
 * Conditional, briefly cacheable public reads: a successful JSON answer to a GET gets an ETag (a
 * SHA-1 of the body) and `Cache-Control: public, max-age=<maxAgeS>`; when If-None-Match already
 * names that tag the answer is 304 without a body. Anything else (errors, other methods, event
 * streams) passes untouched. The tag follows the body, so it changes exactly when a figure in it
 * does (stock sold, a like); max-age stays a few seconds because stock figures move that fast.
 */
export function publicCache(maxAgeS: number): MiddlewareHandler {
  const cacheControl = `public, max-age=${maxAgeS}`;
  return async (c, next) => {
    await next();
    if (c.req.method !== "GET" || c.res.status !== 200) return;
    const type = c.res.headers.get("content-type");
    if (!type?.startsWith("application/json")) return;
    const body = await c.res.text();
    const tag = `"${createHash("sha1").update(body).digest("base64url")}"`;
    const headers = { etag: tag, "cache-control": cacheControl };
    if (etagMatches(requestHeader(c, "if-none-match"), tag)) {
      c.res = new Response(null, { status: 304, headers });
      // The setter carries the old answer's headers over; a 304 describes no body.
      c.res.headers.delete("content-type");
      c.res.headers.delete("content-length");
    } else {
      c.res = new Response(body, { status: 200, headers: { ...headers, "content-type": type } });
    }
  };
}
