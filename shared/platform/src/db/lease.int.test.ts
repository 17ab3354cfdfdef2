import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "kysely";
import { createTestContext, type TestContext } from "@surge/testkit/context";
import { waitFor } from "@surge/testkit/wait";
import { Lease } from "./lease.js";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

const holds = (lease: Lease) => ctx.db.transaction().execute((trx) => lease.holdsIn(trx));
/** Expiry is the database clock's call: the end of a lease's current term, and whether that clock has passed a given end. */
const termEnd = async (name: string) =>
  (await sql<{ term_end: string }>`SELECT UNIX_TIMESTAMP(expires_at) AS term_end FROM leases WHERE name = ${name}`.execute(ctx.db)).rows[0]!.term_end;
const databasePast = async (end: string) =>
  Number((await sql<{ past: number }>`SELECT UNIX_TIMESTAMP(CURRENT_TIMESTAMP(3)) > ${end} AS past`.execute(ctx.db)).rows[0]!.past) === 1;

describe("a lease", () => {
  it("has one owner at a time; a dead owner's lease is taken over once it expires", async () => {
    const a = new Lease(ctx.db, "job", "a", 400);
    const b = new Lease(ctx.db, "job", "b", 400);
    expect(await a.acquire()).toBe(true);
    expect(await b.acquire()).toBe(false);
    expect(await a.acquire()).toBe(true);
    expect([a.held, b.held, await holds(a), await holds(b)]).toEqual([true, false, true, false]);
    // a stops renewing (it died). b gets the lease once the row expires; by then a has stopped
    // counting itself the owner, since its local term ends before the row does.
    await waitFor("b to take over the expired lease", () => b.acquire());
    expect(a.held).toBe(false);
    expect([await holds(a), await holds(b)]).toEqual([false, true]);
    expect(await a.acquire()).toBe(false);
  });

  it("is renewed while started and freed at once on stop", async () => {
    const a = new Lease(ctx.db, "job2", "a", 300);
    const b = new Lease(ctx.db, "job2", "b", 300);
    a.start();
    await waitFor("a to hold the lease", () => a.held);
    // Past the end of the term a held then, by the database clock: only renewals can have kept it.
    const term = await termEnd("job2");
    await waitFor("that term to be over", () => databasePast(term));
    expect(a.held).toBe(true);
    expect(await b.acquire()).toBe(false);
    await a.stop();
    expect(a.held).toBe(false);
    expect(await b.acquire()).toBe(true);
  });
});
