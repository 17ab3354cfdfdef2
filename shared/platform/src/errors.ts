/**
 * One taxonomy for every failure a client can see. Errors carry a code only: which HTTP status a
 * code becomes is the edge's business (http/problem.ts maps each code once), so deciders and
 * handlers never speak HTTP.
 */
export const errorCodes = [
  "VALIDATION_FAILED",
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "NOT_FOUND",
  "SOLD_OUT",
  "ALREADY_CLAIMED",
  "CLAIM_WINDOW_CLOSED",
  "EVENT_NOT_OPEN",
  "PURCHASE_LIMIT_EXCEEDED",
  "COUPON_NOT_USABLE",
  "INSUFFICIENT_POINTS",
  "ORDER_NOT_PAYABLE",
  "ORDER_EXPIRED",
  "INVALID_STATE",
  "PAYMENT_MISMATCH",
  "BALANCE_LIMIT_EXCEEDED",
  "CONFLICT",
  "PAYLOAD_TOO_LARGE",
  "UNSUPPORTED_MEDIA_TYPE",
  "IDEMPOTENCY_KEY_REUSED",
  "RATE_LIMITED",
  "INTERNAL",
  "UNAVAILABLE",
  "PROJECTION_LAG",
] as const;

export type ErrorCode = (typeof errorCodes)[number];

/** Codes that mean "try again shortly": they default to a one-second Retry-After. */
const retryable: ReadonlySet<ErrorCode> = new Set(["UNAVAILABLE", "PROJECTION_LAG"]);

/**
 * Faults: logged with their stack (see http/problem.ts). Every other code is an expected answer, a
 * refusal thrown thousands of times a second after a sell-out, whose stack nobody reads; capturing
 * it was a visible share of a 409's CPU.
 */
const faults: ReadonlySet<ErrorCode> = new Set(["INTERNAL", "UNAVAILABLE", "PROJECTION_LAG"]);

export interface FieldError {
  path: string;
  message: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  /** Extra members merged into the problem body (e.g. `dealId`, `available`). */
  readonly extra: Record<string, unknown>;
  readonly errors: FieldError[] | undefined;
  readonly retryAfterS: number | undefined;

  constructor(code: ErrorCode, detail: string, opts: { extra?: Record<string, unknown>; errors?: FieldError[]; retryAfterS?: number; cause?: unknown } = {}) {
    const limit = Error.stackTraceLimit;
    if (!faults.has(code)) Error.stackTraceLimit = 0;
    super(detail, opts.cause === undefined ? undefined : { cause: opts.cause });
    Error.stackTraceLimit = limit;
    this.name = "AppError";
    this.code = code;
    this.extra = opts.extra ?? {};
    this.errors = opts.errors;
    this.retryAfterS = opts.retryAfterS ?? (retryable.has(code) ? 1 : undefined);
  }
}

export const notFound = (what: string) => new AppError("NOT_FOUND", `${what} not found`);
export const validationFailed = (errors: FieldError[], detail = "The request is not valid.") => new AppError("VALIDATION_FAILED", detail, { errors });
export const unavailable = (detail: string, cause?: unknown) => new AppError("UNAVAILABLE", detail, { cause, retryAfterS: 1 });

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
 * Raised by the event store when an append's COMMIT may have run (the connection was lost during
 * it) and the store stayed unreachable while it looked the events up by id. Whatever the append
 * reserved (stock, a coupon unit) must stay reserved: a guard's sweeper settles it once the store
 * answers (confirmed if the events are there, released if not). Giving it back now could oversell.
 */
export class AppendOutcomeUnknownError extends Error {
  constructor(
    readonly streamIds: readonly string[],
    cause: unknown,
  ) {
    super(`append to ${streamIds.join(", ")} may have committed; the store could not tell`, { cause });
    this.name = "AppendOutcomeUnknownError";
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
