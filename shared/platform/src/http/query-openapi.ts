import { z } from "@hono/zod-openapi";
import { minPositionHeader } from "./read-your-writes.js";

export const problem = {
  content: { "application/problem+json": { schema: z.object({ code: z.string(), detail: z.string() }).passthrough() } },
  description: "Problem",
};
export const security = [{ bearer: [] }];

/** Request headers every query route accepts. */
export const queryHeaders = z.object({ "x-min-position": minPositionHeader.optional() });

/** Request headers of the public reads: they also answer conditional requests (see http/cache.ts). */
export const publicHeaders = queryHeaders.extend({
  "if-none-match": z.string().max(1024).optional().openapi({ description: "An ETag this route sent; 304 while the body is unchanged" }),
});

/** The public reads' answer to a matching If-None-Match: no body, the same ETag and Cache-Control. */
export const notModified = { description: "Not modified: the ETag in If-None-Match is current" };
