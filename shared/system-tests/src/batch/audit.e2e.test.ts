import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "@surge/testkit/child-app";
import { createTestContext, type TestContext } from "@surge/testkit/context";
import { rawEvent, uncheckedType } from "@surge/testkit/raw-event";

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
  const at = new Date().toISOString();
  for (let i = 0; i < 20; i++) await ctx.store.append(`thing-${i % 3}`, "any", [rawEvent(uncheckedType("ThingHappened"), { n: i }, { at, correlationId: "c", userId: "u" })]);
});
afterAll(async () => {
  await ctx?.close();
});

/** The real CLI, as `npm run audit` runs it, against this file's database. */
const audit = (...args: string[]) => runCli("batch/src/audit/cli.ts", args, ctx.appEnv);

describe("npm run audit", () => {
  it("verify passes on an intact log and names the event whose data changed by one byte", async () => {
    const ok = await audit("verify");
    expect(ok.code).toBe(0);
    expect(ok.out).toContain("OK: 20 events");

    await sql`UPDATE events SET data = '{"n":9}' WHERE position = 9`.execute(ctx.db);
    const bad = await audit("verify");
    expect(bad.code).toBe(1);
    expect(bad.err).toContain("event at position 9 is altered");
  });

  it("stream prints a stream's history in order", async () => {
    const res = await audit("stream", "thing-1");
    expect(res.code).toBe(0);
    const lines = res.out.trim().split("\n");
    expect(lines).toHaveLength(7);
    expect(lines[0]).toMatch(/^#2 v1 .* ThingHappened \{"n":1\}/);
    expect((await audit("stream", "thing-none")).code).toBe(1);
  });
});
