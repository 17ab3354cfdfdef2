import { describe, expect, it } from "vitest";
import { between, decide, mulberry32, pickOutcome } from "./gateway.js";
import { applyConfigPatch, type PgSimConfig } from "./config.js";
import { readEnv } from "./env.js";
import { signBody, verifySignature } from "@surge/areas/payments/signature";

const config: PgSimConfig = {
  requestFailureRate: 0.4,
  limitExceededRate: 0.2,
  invalidCardRate: 0.1,
  minDelayMs: 1000,
  maxDelayMs: 5000,
  requestMinDelayMs: 100,
  requestMaxDelayMs: 500,
  callbacks: true,
  callbackRepeat: 1,
};

describe("pg-simulator pure parts", () => {
  it("mulberry32 is deterministic per seed and stays in [0, 1)", () => {
    const a = mulberry32(123);
    const b = mulberry32(123);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(mulberry32(124)()).not.toBe(xs[0]);
  });

  it("pickOutcome and between split [0, 1) as configured", () => {
    expect(pickOutcome(0, config)).toBe("INVALID_CARD");
    expect(pickOutcome(0.0999, config)).toBe("INVALID_CARD");
    expect(pickOutcome(0.1, config)).toBe("LIMIT_EXCEEDED");
    expect(pickOutcome(0.2999, config)).toBe("LIMIT_EXCEEDED");
    expect(pickOutcome(0.3001, config)).toBe("SUCCESS");
    expect(pickOutcome(0.9999, { limitExceededRate: 0, invalidCardRate: 1 })).toBe("INVALID_CARD");
    expect(between(0, 100, 500)).toBe(100);
    expect(between(0.99999, 100, 500)).toBe(500);
    expect(between(0.5, 7, 7)).toBe(7);
  });

  it("decisions follow the configured rates roughly", () => {
    const random = mulberry32(1);
    const n = 20_000;
    const counts = { fail: 0, SUCCESS: 0, LIMIT_EXCEEDED: 0, INVALID_CARD: 0 };
    const requestDelays = new Set<number>();
    const completionDelays = new Set<number>();
    for (let i = 0; i < n; i++) {
      const d = decide(random, config);
      if (d.fail) counts.fail++;
      counts[d.outcome]++;
      requestDelays.add(d.requestDelayMs);
      completionDelays.add(d.completionDelayMs);
    }
    expect([Math.min(...requestDelays), Math.max(...requestDelays)]).toEqual([100, 500]);
    expect([Math.min(...completionDelays), Math.max(...completionDelays)]).toEqual([1000, 5000]);
    expect(counts.fail / n).toBeCloseTo(0.4, 1);
    expect(counts.SUCCESS / n).toBeCloseTo(0.7, 1);
    expect(counts.LIMIT_EXCEEDED / n).toBeCloseTo(0.2, 1);
    expect(counts.INVALID_CARD / n).toBeCloseTo(0.1, 1);
  });

  it("applyConfigPatch merges and checks the whole", () => {
    expect(applyConfigPatch(config, { minDelayMs: 50, maxDelayMs: 100 })).toEqual({ ok: true, config: { ...config, minDelayMs: 50, maxDelayMs: 100 } });
    expect(applyConfigPatch(config, { maxDelayMs: 100 })).toMatchObject({ ok: false, issues: [{ field: "maxDelayMs" }] });
    expect(applyConfigPatch(config, { invalidCardRate: 0.9 })).toMatchObject({ ok: false });
  });

  it("signatures verify only for the same bytes and secret", () => {
    const raw = JSON.stringify({ a: 1 });
    const sig = signBody(raw, "secret-0123456789abcdef");
    expect(sig).toMatch(/^[0-9a-f]{64}$/);
    expect(verifySignature(raw, sig, "secret-0123456789abcdef")).toBe(true);
    expect(verifySignature(Buffer.from(raw), sig.toUpperCase(), "secret-0123456789abcdef")).toBe(true);
    expect(verifySignature(raw + " ", sig, "secret-0123456789abcdef")).toBe(false);
    expect(verifySignature(raw, sig, "other-secret-0123456789")).toBe(false);
    expect(verifySignature(raw, undefined, "secret-0123456789abcdef")).toBe(false);
    expect(verifySignature(raw, "zz", "secret-0123456789abcdef")).toBe(false);
    expect(verifySignature(raw, sig.slice(0, 62), "secret-0123456789abcdef")).toBe(false);
  });

  it("readEnv has the documented defaults and rejects incoherent settings", () => {
    const env = readEnv({ NODE_ENV: "test" });
    expect(env.PG_SIMULATOR_PORT).toBe(3002);
    expect(env.PG_SIM_REQUEST_FAILURE_RATE).toBe(0.4);
    expect(env.PG_SIM_MIN_DELAY_MS).toBe(1000);
    expect(env.PG_SIM_MAX_DELAY_MS).toBe(5000);
    expect(env.PG_SIM_CALLBACKS).toBe(true);
    expect(readEnv({ PG_SIM_SEED: "42" }).PG_SIM_SEED).toBe(42);
    expect(() => readEnv({ PG_SIM_MIN_DELAY_MS: "10", PG_SIM_MAX_DELAY_MS: "5" })).toThrow(/PG_SIM_MAX_DELAY_MS/);
    expect(() => readEnv({ PG_SIM_REQUEST_FAILURE_RATE: "2" })).toThrow(/PG_SIM_REQUEST_FAILURE_RATE/);
  });
});
