import { describe, expect, it } from "vitest";
import { RunContext } from "./run-context.js";

describe("RunContext.send", () => {
  it("sends statements one at a time, in the order they were asked for", async () => {
    const ctx = new RunContext([]);
    const log: string[] = [];
    const statement = (name: string, ms: number) => () => {
      log.push(`start ${name}`);
      return new Promise<string>((resolve) => setTimeout(() => (log.push(`end ${name}`), resolve(name)), ms));
    };
    expect(await Promise.all([ctx.send(statement("a", 20)), ctx.send(statement("b", 1)), ctx.send(statement("c", 5))])).toEqual(["a", "b", "c"]);
    expect(log).toEqual(["start a", "end a", "start b", "end b", "start c", "end c"]);
  });

  it("sends nothing after a failure (a deadlock has ended the transaction) and keeps the first error", async () => {
    const ctx = new RunContext([]);
    const deadlock = Object.assign(new Error("Deadlock found"), { code: "ER_LOCK_DEADLOCK" });
    let sentAfter = false;
    const first = ctx.send(() => Promise.reject(deadlock));
    const second = ctx.send(async () => {
      sentAfter = true;
    });
    await expect(first).rejects.toBe(deadlock);
    await expect(second).rejects.toThrow(/aborted/);
    expect(sentAfter).toBe(false);
    expect(ctx.failure).toBe(deadlock);
  });
});
