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
/**
 * The Idempotency-Key header, for the OpenAPI document only (as a route's `parameters`): the
 * command gate checks it (1–128 characters, present where the contract requires it) before any
 * route runs. Validating it again per route made hono build every request's header object.
 */
export const idempotencyKeyParameter = (required: boolean) => ({
  name: "Idempotency-Key",
  in: "header" as const,
  required,
  schema: { type: "string" as const, minLength: 1, maxLength: 128 },
});

/** The OpenAPI entry of a path parameter a handler checks itself with `pathParam`, from the same schema. */
export function pathParameter(name: string, schema: z.ZodType) {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema) as Record<string, unknown>;
  return { name, in: "path" as const, required: true, schema: json };
}
