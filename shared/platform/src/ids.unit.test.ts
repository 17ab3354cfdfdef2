import { describe, expect, it, vi } from "vitest";
import { v5 } from "uuid";
import { nameBasedId, newId } from "./ids.js";

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const msOf = (id: string) => parseInt(id.slice(0, 8) + id.slice(9, 13), 16);

describe("newId", () => {
  it("is a UUIDv7 carrying the current Unix milliseconds", () => {
    // A clock frozen at the real now: the test's reads and newId's see the same millisecond.
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      const before = Date.now();
      const id = newId();
      const after = Date.now();
      expect(id).toMatch(V7);
      const ms = msOf(id);
      expect(ms).toBeGreaterThanOrEqual(before);
      expect(ms).toBeLessThanOrEqual(after);
      // A burst can borrow a millisecond ahead (counter overflow), never more than a few.
      const burst = Array.from({ length: 5_000 }, newId).map(msOf);
      expect(Math.max(...burst)).toBeGreaterThan(after);
      expect(Math.max(...burst)).toBeLessThanOrEqual(after + 5);
    } finally {
      vi.useRealTimers();
    }
  });

  it("sorts in the order it was made, also within one millisecond, and never repeats", () => {
    const ids = Array.from({ length: 50_000 }, newId);
    expect(ids.every((id) => V7.test(id))).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("varies its random bits across pool refills", () => {
    const tails = new Set(Array.from({ length: 1_000 }, () => newId().slice(19)));
    expect(tails.size).toBe(1_000);
  });

  it("makes the same name-based ids as uuid's v5", () => {
    const ns = "8f4e2a1c-6b1d-4d5e-9a57-3c2f1e0d9b7a";
    for (const name of ["", "u1\nk1", "ünïcödé\n🔑", "x".repeat(500)]) expect(nameBasedId(ns, name)).toBe(v5(name, ns));
  });
});
