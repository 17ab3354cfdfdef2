import { describe, expect, it } from "vitest";
import { cpuRatioLine, cpuUs, p99Line } from "./goals.js";

describe("bench goals", () => {
  it("turn a process's share of a core and its rate into µs per request", () => {
    // 50 % of a core at 2,500 requests/s: 200 µs each.
    expect(cpuUs({ byLabel: { "command-api": 50 }, machineBusy: 100, others: 0 }, "command-api", 2500)).toBeCloseTo(200);
    expect(cpuUs({ byLabel: {}, machineBusy: 100, others: 0 }, "command-api", 2500)).toBeNaN();
  });

  it("judge the app's CPU per request against the bare route's, and p99, against their goals", () => {
    expect(cpuRatioLine("claims", 100, 50, 2)).toMatchObject({ met: true });
    expect(cpuRatioLine("claims", 101, 50, 2).met).toBe(false);
    expect(cpuRatioLine("claims", 101, 50, 2).line).toContain("**2.02×** (goal ≤ 2×: not met)");
    expect(p99Line("claims", 25, 25).met).toBe(true);
    expect(p99Line("claims", 25.1, 25).line).toContain("not met");
  });
});
