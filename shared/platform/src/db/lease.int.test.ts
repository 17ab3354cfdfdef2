import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestContext, type TestContext } from "@surge/testkit/context";
import { Lease } from "./lease.js";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const holds = (lease: Lease) => ctx.db.transaction().execute((trx) => lease.holdsIn(trx));

describe("a lease", () => {
  it("has one owner at a time; a dead owner's lease is taken over once it expires", async () => {
    const a = new Lease(ctx.db, "job", "a", 400);
    const b = new Lease(ctx.db, "job", "b", 400);
    expect(await a.acquire()).toBe(true);
    expect(await b.acquire()).toBe(false);
    expect(await a.acquire()).toBe(true);
    expect([a.held, b.held, await holds(a), await holds(b)]).toEqual([true, false, true, false]);
    // a stops renewing (it died): locally it stops counting itself the owner before the row expires.
    await sleep(450);
    expect(a.held).toBe(false);
    expect(await b.acquire()).toBe(true);
    expect([await holds(a), await holds(b)]).toEqual([false, true]);
    expect(await a.acquire()).toBe(false);
  });

  it("is renewed while started and freed at once on stop", async () => {
    const a = new Lease(ctx.db, "job2", "a", 300);
    const b = new Lease(ctx.db, "job2", "b", 300);
    a.start();
    await sleep(700);
    expect(a.held).toBe(true);
    expect(await b.acquire()).toBe(false);
    await a.stop();
    expect(a.held).toBe(false);
    expect(await b.acquire()).toBe(true);
  });
});
