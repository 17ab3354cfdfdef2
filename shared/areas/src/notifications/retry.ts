import { backoffMs } from "@surge/platform/backoff";

/** The first retry comes 1 s after the first failure (contract: within 2 s). */
export const FIRST_RETRY_MS = 1000;
/** Retries double up to this gap. */
export const MAX_RETRY_GAP_MS = 10 * 60_000;
/** A delivery still failing this long after it became pending is FAILED. */
export const GIVE_UP_AFTER_MS = 24 * 3600_000;

/** The wait after the `failures`-th failed attempt (1 = the first): 1 s, 2 s, 4 s, … capped at 10 min. */
export const retryDelayMs = (failures: number): number => backoffMs(failures, FIRST_RETRY_MS, MAX_RETRY_GAP_MS);

export interface PendingDelivery {
  attempts: number;
  pendingSince: Date;
}

export type AttemptOutcome = { ok: true } | { ok: false; error: string };

export type NextStep =
  | { status: "DELIVERED"; attempts: number }
  | { status: "PENDING"; attempts: number; nextAttemptAt: Date; error: string }
  | { status: "FAILED"; attempts: number; error: string };

/**
 * What an attempt made of a pending delivery: any 2xx delivers it; a failure schedules the next
 * try, the last one landing at the end of the 24 h window; a failure at or past it is final.
 */
export function afterAttempt(delivery: PendingDelivery, outcome: AttemptOutcome, now: Date): NextStep {
  const attempts = delivery.attempts + 1;
  if (outcome.ok) return { status: "DELIVERED", attempts };
  const deadline = delivery.pendingSince.getTime() + GIVE_UP_AFTER_MS;
  if (now.getTime() >= deadline) return { status: "FAILED", attempts, error: outcome.error };
  const next = Math.min(now.getTime() + retryDelayMs(attempts), deadline);
  return { status: "PENDING", attempts, nextAttemptAt: new Date(next), error: outcome.error };
}
