import { describe, expect, it } from "vitest";
import { Coalescer } from "./coalesce.js";

describe("Coalescer", () => {
  it("turns the calls of one moment into one call per key, and later calls into another", async () => {
    const calls: Array<[string, string[]]> = [];
    const c = new Coalescer(async (key, ids) => calls.push([key, ids]));
    await Promise.all([c.add("a", "1"), c.add("b", "2"), c.add("a", "3")]);
    await c.add("a", "4");
    expect(calls).toEqual([
      ["a", ["1", "3"]],
      ["b", ["2"]],
      ["a", ["4"]],
    ]);
  });

  it("a failed call rejects every caller of its key, and only those", async () => {
    const c = new Coalescer(async (key) => {
      if (key === "bad") throw new Error("down");
    });
    const results = await Promise.allSettled([c.add("bad", "1"), c.add("bad", "2"), c.add("good", "3")]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected", "fulfilled"]);
  });
});
