import { describe, expect, it } from "vitest";
import { AppError, unavailable } from "./errors.js";

const frames = (err: Error) => (err.stack ?? "").split("\n").filter((l) => l.trimStart().startsWith("at ")).length;

describe("AppError stacks", () => {
  it("captures none for an expected refusal (a 4xx), which is never logged", () => {
    expect(frames(new AppError("SOLD_OUT", "No coupons are left."))).toBe(0);
    expect(frames(new AppError("VALIDATION_FAILED", "bad"))).toBe(0);
  });

  it("keeps the stack of a fault, which is logged, and leaves Error's own limit as it was", () => {
    const before = Error.stackTraceLimit;
    expect(frames(unavailable("Redis is away", new Error("ECONNREFUSED")))).toBeGreaterThan(0);
    expect(frames(new AppError("INTERNAL", "boom"))).toBeGreaterThan(0);
    new AppError("SOLD_OUT", "x");
    expect(Error.stackTraceLimit).toBe(before);
    expect(frames(new Error("plain"))).toBeGreaterThan(0);
  });
});
