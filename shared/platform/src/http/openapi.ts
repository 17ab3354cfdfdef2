import { z } from "@hono/zod-openapi";

export const instant = z.iso.datetime({ offset: true });
export const id = z.string().min(1).max(128);
export const problem = {
  content: { "application/problem+json": { schema: z.object({ type: z.string(), code: z.string(), status: z.number(), detail: z.string() }).passthrough() } },
  description: "Problem",
};
export const security = [{ bearer: [] }];
export const jsonBody = <T extends z.ZodType>(schema: T) => ({ required: true, content: { "application/json": { schema } } });
export const json = <T extends z.ZodType>(schema: T, description: string) => ({ content: { "application/json": { schema } }, description });
export const idempotencyHeader = z.object({ "idempotency-key": z.string().min(1).max(128).optional() });
