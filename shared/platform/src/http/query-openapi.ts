import { z } from "@hono/zod-openapi";
import { minPositionHeader } from "./read-your-writes.js";

export const problem = {
  content: { "application/problem+json": { schema: z.object({ code: z.string(), detail: z.string() }).passthrough() } },
  description: "Problem",
};
export const security = [{ bearer: [] }];

/** Request headers every query route accepts. */
export const queryHeaders = z.object({ "x-min-position": minPositionHeader.optional() });
