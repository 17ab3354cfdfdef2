import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { Logger } from "pino";
import { AppError, type ErrorCode } from "../errors.js";
import { keepText } from "./response-text.js";

const kebab = (code: string) => code.toLowerCase().replace(/_/g, "-");
const title = (code: string) => {
  const words = code.toLowerCase().replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
};

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail: string;
  errors?: Array<{ path: string; message: string }>;
  [extra: string]: unknown;
}

export function problemBody(err: AppError): ProblemBody {
  return {
    type: `urn:surge:problem:${kebab(err.code)}`,
    title: title(err.code),
    status: err.status,
    code: err.code,
    detail: err.message,
    ...(err.errors ? { errors: err.errors } : {}),
    ...err.extra,
  };
}

export function problemResponse(err: AppError): Response {
  const headers: Record<string, string> = { "content-type": "application/problem+json" };
  if (err.retryAfterS !== undefined) headers["retry-after"] = String(err.retryAfterS);
  const text = JSON.stringify(problemBody(err));
  return keepText(new Response(text, { status: err.status, headers }), text);
}

const fromHttpStatus: Record<number, ErrorCode> = {
  400: "VALIDATION_FAILED",
  401: "UNAUTHENTICATED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
};

/** Turns anything thrown into an AppError; unknown failures become a 500 that leaks nothing. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof HTTPException) {
    const code = fromHttpStatus[err.status] ?? (err.status >= 500 ? "INTERNAL" : "VALIDATION_FAILED");
    return new AppError(code, err.message || title(code));
  }
  return new AppError("INTERNAL", "An unexpected error occurred.");
}

/** The one place where errors become HTTP responses, installed as each app's `onError`. */
export function errorHandler(logger: Logger) {
  return (err: unknown, c: Context): Response => {
    const appErr = toAppError(err);
    if (appErr.status >= 500) {
      logger.error({ err, cause: appErr.cause, path: c.req.path, requestId: c.get("requestId") as unknown }, "request failed");
    }
    return problemResponse(appErr);
  };
}
