import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { Logger } from "pino";
import { AppendOutcomeUnknownError, AppError, type ErrorCode } from "../errors.js";
import { keepText } from "./response-text.js";

/** The one mapping of error codes to HTTP statuses (contract: Conventions, Errors). */
export const problemStatus: Readonly<Record<ErrorCode, number>> = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  SOLD_OUT: 409,
  ALREADY_CLAIMED: 409,
  CLAIM_WINDOW_CLOSED: 409,
  EVENT_NOT_OPEN: 409,
  PURCHASE_LIMIT_EXCEEDED: 409,
  COUPON_NOT_USABLE: 409,
  INSUFFICIENT_POINTS: 409,
  ORDER_NOT_PAYABLE: 409,
  ORDER_EXPIRED: 409,
  INVALID_STATE: 409,
  // A gateway callback whose amount or transaction key is not the submitted payment's.
  PAYMENT_MISMATCH: 409,
  BALANCE_LIMIT_EXCEEDED: 409,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  IDEMPOTENCY_KEY_REUSED: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  PROJECTION_LAG: 503,
};

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
    status: problemStatus[err.code],
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
  return keepText(new Response(text, { status: problemStatus[err.code], headers }), text);
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
  // Not a fault: the store could not tell whether the change committed, and a retry with the same key finds out.
  if (err instanceof AppendOutcomeUnknownError)
    return new AppError("UNAVAILABLE", "The change may not have been recorded; retry with the same Idempotency-Key.", { cause: err });
  return new AppError("INTERNAL", "An unexpected error occurred.");
}

/** The one place where errors become HTTP responses, installed as each app's `onError`. */
export function errorHandler(logger: Logger) {
  return (err: unknown, c: Context): Response => {
    const appErr = toAppError(err);
    if (problemStatus[appErr.code] >= 500) {
      logger.error({ err, cause: appErr.cause, path: c.req.path, requestId: c.get("requestId") as unknown }, "request failed");
    }
    return problemResponse(appErr);
  };
}
