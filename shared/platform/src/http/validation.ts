import type { z } from "zod";
import type { Context } from "hono";
import { validationFailed, type FieldError } from "../errors.js";

export function zodFieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => {
    const keys = issue.code === "unrecognized_keys" ? issue.keys : [];
    const path = [...issue.path, ...(keys.length === 1 ? keys : [])].map(String).join(".");
    return { path: path || "(body)", message: issue.message };
  });
}

/** defaultHook for OpenAPIHono: any failed request validation throws the one VALIDATION_FAILED error. */
export function validationHook(result: { success: boolean; error?: unknown }): void {
  if (!result.success) throw validationFailed(zodFieldErrors(result.error as z.ZodError));
}

/**
 * A path parameter checked by the handler, for a hot route that declares no `request` schema: hono's
 * validator reads Content-Type through the fetch Request, which makes @hono/node-server build each
 * request's header object (a tenth of a claim's allocations). Fails as the validator would.
 */
export function pathParam<T>(c: Context, name: string, schema: z.ZodType<T>): T {
  const parsed = schema.safeParse(c.req.param(name));
  if (!parsed.success) throw validationFailed(zodFieldErrors(parsed.error).map((e) => ({ path: name, message: e.message })));
  return parsed.data;
}
