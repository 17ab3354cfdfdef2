/**
 * One taxonomy for every failure a client can see. Each code has exactly one HTTP status, so the
 * mapping to problem+json lives in one place (http/problem.ts) and nowhere else.
 */
export const errorStatus = {
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
  BALANCE_LIMIT_EXCEEDED: 409,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  IDEMPOTENCY_KEY_REUSED: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  PROJECTION_LAG: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export interface FieldError {
  path: string;
  message: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Extra members merged into the problem body (e.g. `dealId`, `available`). */
  readonly extra: Record<string, unknown>;
  readonly errors: FieldError[] | undefined;
  readonly retryAfterS: number | undefined;

  constructor(
    code: ErrorCode,
    detail: string,
    opts: { extra?: Record<string, unknown>; errors?: FieldError[]; retryAfterS?: number; cause?: unknown } = {},
  ) {
    super(detail, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "AppError";
    this.code = code;
    this.status = errorStatus[code];
    this.extra = opts.extra ?? {};
    this.errors = opts.errors;
    this.retryAfterS = opts.retryAfterS ?? (this.status === 503 ? 1 : undefined);
  }
}

export const notFound = (what: string) => new AppError("NOT_FOUND", `${what} not found`);
export const validationFailed = (errors: FieldError[], detail = "The request is not valid.") =>
  new AppError("VALIDATION_FAILED", detail, { errors });
export const unavailable = (detail: string, cause?: unknown) =>
  new AppError("UNAVAILABLE", detail, { cause, retryAfterS: 1 });

/** Raised by the event store when an append's expected version does not match the stream. */
export class ConcurrencyError extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: string,
    readonly actual: number,
  ) {
    super(`stream ${streamId}: expected version ${expected}, actual ${actual}`);
    this.name = "ConcurrencyError";
  }
}

/** Raised by the event store when an append's guard fence was rotated (the guard was rebuilt). */
export class FenceError extends Error {
  constructor(readonly fenceKey: string) {
    super(`fence ${fenceKey} was rotated; the guard decision is stale`);
    this.name = "FenceError";
  }
}

/** Raised when an append is flushed after its `notAfter` deadline; its reservation may be swept. */
export class StaleAppendError extends Error {
  constructor(readonly streamId: string) {
    super(`append to ${streamId} missed its deadline`);
    this.name = "StaleAppendError";
  }
}

/**
 * Raised by the event store, before anything is written, when an event's data does not match its
 * event type's schema or its metadata the platform's: a bug in whatever built the event.
 */
export class EventSchemaError extends Error {
  constructor(
    readonly streamId: string,
    readonly eventType: string,
    readonly issues: ReadonlyArray<{ path: string; message: string }>,
  ) {
    super(`${eventType} for stream ${streamId} was refused: ${issues.map((i) => `${i.path || "(root)"}: ${i.message}`).join("; ")}`);
    this.name = "EventSchemaError";
  }
}
