import type { z } from "zod";
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
