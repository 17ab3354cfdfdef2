import { z } from "zod";

/** Everything that shapes the simulator's behaviour, changeable at run time with `PUT /config`. */
export interface PgSimConfig {
  /** Probability that `POST /payments` answers 500 (and accepts nothing). */
  requestFailureRate: number;
  /** Probability that an accepted payment ends LIMIT_EXCEEDED. */
  limitExceededRate: number;
  /** Probability that an accepted payment ends INVALID_CARD. SUCCESS takes what the two rates leave. */
  invalidCardRate: number;
  /** An accepted payment completes between minDelayMs and maxDelayMs after it was accepted. */
  minDelayMs: number;
  maxDelayMs: number;
  /** `POST /payments` answers between requestMinDelayMs and requestMaxDelayMs after it arrived. */
  requestMinDelayMs: number;
  requestMaxDelayMs: number;
  /** false: completed payments send no callback (they are still visible via GET). */
  callbacks: boolean;
  /** Each callback is delivered this many times (a real gateway may repeat itself). */
  callbackRepeat: number;
}

const rate = z.number().min(0).max(1);
const delay = z.number().int().min(0).max(600_000);

/** The shape of `PUT /config`: any subset of the fields, nothing else. */
export const configPatchSchema = z.strictObject({
  requestFailureRate: rate.optional(),
  limitExceededRate: rate.optional(),
  invalidCardRate: rate.optional(),
  minDelayMs: delay.optional(),
  maxDelayMs: delay.optional(),
  requestMinDelayMs: delay.optional(),
  requestMaxDelayMs: delay.optional(),
  callbacks: z.boolean().optional(),
  callbackRepeat: z.number().int().min(1).max(10).optional(),
});

export type PgSimConfigPatch = z.infer<typeof configPatchSchema>;

export interface ConfigIssue {
  field: keyof PgSimConfig;
  message: string;
}

/** Rules that span fields; single-field ranges are the schemas' business. */
export function crossFieldIssues(c: PgSimConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (c.limitExceededRate + c.invalidCardRate > 1) {
    issues.push({ field: "invalidCardRate", message: "limitExceededRate + invalidCardRate must not exceed 1" });
  }
  if (c.minDelayMs > c.maxDelayMs) issues.push({ field: "maxDelayMs", message: "maxDelayMs must be at least minDelayMs" });
  if (c.requestMinDelayMs > c.requestMaxDelayMs) {
    issues.push({ field: "requestMaxDelayMs", message: "requestMaxDelayMs must be at least requestMinDelayMs" });
  }
  return issues;
}

export type PatchResult = { ok: true; config: PgSimConfig } | { ok: false; issues: ConfigIssue[] };

/** Merges a validated patch into the current config; the result must still be coherent as a whole. */
export function applyConfigPatch(current: PgSimConfig, patch: PgSimConfigPatch): PatchResult {
  const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
  const config: PgSimConfig = { ...current, ...defined };
  const issues = crossFieldIssues(config);
  return issues.length === 0 ? { ok: true, config } : { ok: false, issues };
}
