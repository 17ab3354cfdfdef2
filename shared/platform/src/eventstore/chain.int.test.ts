import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createTestContext, type TestContext } from "@surge/testkit/context";
import { rewriteChainFrom } from "@surge/testkit/chain-rewrite";
import type { EventsTable } from "../db/schema.js";
import { eventType } from "../events/event-type.js";
import { newId } from "../ids.js";
import { GENESIS_HASH, legacyChainHash, verifyChain, type Anchor } from "./chain.js";
import type { NewEvent } from "./types.js";

const ThingHappened = eventType("ThingHappened", z.object({ n: z.number().int() }));
const event = (n: number, tag?: string): NewEvent => ({
  eventType: ThingHappened,
  data: { n },
  metadata: { correlationId: "c", causationId: null, userId: "u1", occurredAt: new Date(Date.now() - n).toISOString() },
  ...(tag ? { tag } : {}),
});

const hashAt = async (ctx: TestContext, position: number) =>
  (await ctx.db.selectFrom("events").select("hash").where("position", "=", position).executeTakeFirstOrThrow()).hash;

describe("the hash chain seals every stored column", () => {
  let ctx: TestContext;
  let saved: EventsTable[];
  beforeAll(async () => {
    ctx = await createTestContext();
    for (let i = 1; i <= 14; i++) await ctx.store.append(`thing-${i % 3}`, "any", [event(i, i % 2 === 0 ? `group:${i % 4}` : undefined)]);
    saved = await ctx.db.selectFrom("events").selectAll().orderBy("position").execute();
  });
  afterAll(async () => {
    await ctx?.close();
  });

  /** Puts the saved rows at these positions back as they were. */
  async function restore(...positions: number[]) {
    await ctx.db.deleteFrom("events").where("position", "in", positions).execute();
    await ctx.db.deleteFrom("events").where("position", "<", 0).execute();
    await ctx.db
      .insertInto("events")
      .values(saved.filter((r) => positions.includes(Number(r.position))))
      .execute();
  }

  // One UPDATE per stored column (position: two rows trade places), each on its own row.
  const cases: Array<[string, number, (p: number) => Promise<unknown>]> = [
    [
      "position",
      2,
      async (p) => {
        await sql`UPDATE events SET position = -1 WHERE position = ${p}`.execute(ctx.db);
        await sql`UPDATE events SET position = ${p} WHERE position = ${p + 1}`.execute(ctx.db);
        await sql`UPDATE events SET position = ${p + 1} WHERE position = -1`.execute(ctx.db);
      },
    ],
    ["event_id", 3, (p) => sql`UPDATE events SET event_id = ${newId()} WHERE position = ${p}`.execute(ctx.db)],
    ["stream_id", 4, (p) => sql`UPDATE events SET stream_id = 'thing-elsewhere' WHERE position = ${p}`.execute(ctx.db)],
    ["version", 5, (p) => sql`UPDATE events SET version = version + 1000 WHERE position = ${p}`.execute(ctx.db)],
    ["type", 6, (p) => sql`UPDATE events SET type = 'ThingUndone' WHERE position = ${p}`.execute(ctx.db)],
    ["data", 7, (p) => sql`UPDATE events SET data = REPLACE(data, '"n":7', '"n":8') WHERE position = ${p}`.execute(ctx.db)],
    ["metadata", 8, (p) => sql`UPDATE events SET metadata = REPLACE(metadata, '"u1"', '"u2"') WHERE position = ${p}`.execute(ctx.db)],
    ["tag (removed)", 10, (p) => sql`UPDATE events SET tag = NULL WHERE position = ${p}`.execute(ctx.db)],
    ["tag (added)", 9, (p) => sql`UPDATE events SET tag = 'group:1' WHERE position = ${p}`.execute(ctx.db)],
    ["tag (empty, not null)", 11, (p) => sql`UPDATE events SET tag = '' WHERE position = ${p}`.execute(ctx.db)],
    ["occurred_at", 12, (p) => sql`UPDATE events SET occurred_at = occurred_at + INTERVAL 1000 MICROSECOND WHERE position = ${p}`.execute(ctx.db)],
    ["recorded_at", 13, (p) => sql`UPDATE events SET recorded_at = recorded_at - INTERVAL 1 SECOND WHERE position = ${p}`.execute(ctx.db)],
    ["chain_format", 14, (p) => sql`UPDATE events SET chain_format = 1 WHERE position = ${p}`.execute(ctx.db)],
    ["hash", 1, (p) => sql`UPDATE events SET hash = ${GENESIS_HASH} WHERE position = ${p}`.execute(ctx.db)],
  ];

  it("starts from an intact chain of 14 events in format 2", async () => {
    expect(await verifyChain(ctx.db)).toMatchObject({ checked: 14, headPosition: 14, legacy: 0, broken: null });
    expect(saved.every((r) => r.chain_format === 2)).toBe(true);
  });

  it.each(cases)("an UPDATE of %s names the first altered position", async (_column, position, tamper) => {
    await tamper(position);
    expect((await verifyChain(ctx.db)).broken).toEqual({ position, reason: "altered" });
    await restore(position, position + 1);
    expect((await verifyChain(ctx.db)).broken).toBeNull();
  });
});

describe("verify on a live log", () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(async () => {
    await ctx?.close();
  });

  it("verifies up to the head it started from while appends commit, and reports no tampering", async () => {
    for (let i = 0; i < 20; i++)
      await ctx.store.appendMulti(Array.from({ length: 5 }, (_, s) => ({ streamId: `live-${s}`, expected: "any" as const, events: [event(i), event(i + 1)] })));
    let writing = true;
    let appended = 0;
    const writers = Array.from({ length: 4 }, async (_, w) => {
      while (writing) {
        await ctx.store.append(`live-w${w}-${appended % 7}`, "any", [event(appended), event(appended + 1)]);
        appended += 2;
      }
    });
    try {
      const reports = [];
      for (let run = 0; run < 5; run++) {
        const before = appended;
        // A small page and an append awaited between pages: appends certainly land mid-walk.
        const report = await verifyChain(ctx.db, {
          pageSize: 40,
          onProgress: async () => {
            await ctx.store.append("live-mid-walk", "any", [event(run)]);
          },
        });
        reports.push(report);
        expect(report.broken).toBeNull();
        expect(report.checked).toBe(report.headPosition);
        expect(await ctx.store.headPosition()).toBeGreaterThan(report.headPosition);
        expect(appended).toBeGreaterThan(before);
      }
      expect(reports.at(-1)!.headPosition).toBeGreaterThan(reports[0]!.headPosition);
    } finally {
      writing = false;
      await Promise.all(writers);
    }
    const final = await verifyChain(ctx.db);
    expect(final).toMatchObject({ broken: null, headPosition: await ctx.store.headPosition() });
    expect(final.checked).toBe(final.headPosition);
  });

  it("still names a row past the sequence that no append wrote", async () => {
    const head = await ctx.store.headPosition();
    const last = await ctx.db.selectFrom("events").selectAll().where("position", "=", head).executeTakeFirstOrThrow();
    await ctx.db
      .insertInto("events")
      .values({ ...last, position: head + 1, event_id: newId(), version: 9999 })
      .execute();
    expect((await verifyChain(ctx.db)).broken).toEqual({ position: head + 1, reason: "inserted" });
    await ctx.db
      .deleteFrom("events")
      .where("position", "=", head + 1)
      .execute();
  });
});

describe("a log sealed in format 1 before the upgrade", () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
    // Rows as the store wrote them before format 2: hashed without event id, tag or times.
    let previous = GENESIS_HASH;
    for (let position = 1; position <= 8; position++) {
      const row = {
        position,
        event_id: newId(),
        stream_id: `old-${position % 2}`,
        version: Math.ceil(position / 2),
        type: "ThingHappened",
        data: JSON.stringify({ n: position }),
        metadata: JSON.stringify({ correlationId: "c", causationId: null, userId: null, occurredAt: "2026-11-01T00:00:00.000Z" }),
        tag: position % 3 === 0 ? "group:old" : null,
        occurred_at: new Date("2026-11-01T00:00:00.000Z"),
        recorded_at: new Date("2026-11-01T00:00:00.005Z"),
        chain_format: 1,
      };
      previous = legacyChainHash(previous, row);
      await ctx.db
        .insertInto("events")
        .values({ ...row, hash: previous })
        .execute();
    }
    await sql`UPDATE event_sequence SET last_position = 8, last_hash = ${previous} WHERE id = 1`.execute(ctx.db);
    for (let i = 0; i < 8; i++) await ctx.store.append(`new-${i % 2}`, "any", [event(i, "group:new")]);
  });
  afterAll(async () => {
    await ctx?.close();
  });

  it("verifies old rows the old way and new rows the new way, in one walk", async () => {
    const formats = await ctx.db.selectFrom("events").select("chain_format").orderBy("position").execute();
    expect(formats.map((r) => r.chain_format)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2]);
    expect(await verifyChain(ctx.db)).toMatchObject({ checked: 16, headPosition: 16, legacy: 8, broken: null });

    await sql`UPDATE events SET data = '{"n":40}' WHERE position = 4`.execute(ctx.db);
    expect((await verifyChain(ctx.db)).broken).toEqual({ position: 4, reason: "altered" });
    await sql`UPDATE events SET data = '{"n":4}' WHERE position = 4`.execute(ctx.db);
    expect((await verifyChain(ctx.db)).broken).toBeNull();
  });

  it("refuses a new row passed off as an old one, even with every later hash recomputed", async () => {
    await sql`UPDATE events SET chain_format = 1, tag = NULL WHERE position = 12`.execute(ctx.db);
    await rewriteChainFrom(ctx.db, 12);
    expect((await verifyChain(ctx.db)).broken).toEqual({ position: 12, reason: "altered" });
  });
});

describe("anchors: hashes vouched for outside the database", () => {
  let ctx: TestContext;
  let anchors: Anchor[];
  beforeAll(async () => {
    ctx = await createTestContext();
    for (let i = 1; i <= 30; i++) await ctx.store.append(`acct-${i % 4}`, "any", [event(i)]);
    anchors = await Promise.all([10, 20, 30].map(async (position) => ({ position, hash: await hashAt(ctx, position) })));
  });
  afterAll(async () => {
    await ctx?.close();
  });

  it("agree with an intact chain", async () => {
    expect(await verifyChain(ctx.db, { anchors })).toMatchObject({ anchored: 3, broken: null });
    expect(await verifyChain(ctx.db, { from: anchors[1]!, anchors })).toMatchObject({ checked: 10, anchored: 1, broken: null });
  });

  it("expose a consistent rewrite of the chain that verifies on its own", async () => {
    await sql`UPDATE events SET data = '{"n":1500}' WHERE position = 15`.execute(ctx.db);
    await rewriteChainFrom(ctx.db, 15);
    expect((await verifyChain(ctx.db)).broken).toBeNull();
    expect((await verifyChain(ctx.db, { anchors })).broken).toEqual({ position: 20, reason: "anchor-mismatch", agreedUpTo: 10 });
    expect((await verifyChain(ctx.db, { from: anchors[1]! })).broken).toEqual({ position: 20, reason: "anchor-mismatch", agreedUpTo: 0 });
  });

  it("expose a deleted tail with the sequence moved back", async () => {
    await sql`DELETE FROM events WHERE position > 25`.execute(ctx.db);
    await sql`UPDATE event_sequence SET last_position = 25, last_hash = (SELECT hash FROM events WHERE position = 25) WHERE id = 1`.execute(ctx.db);
    expect((await verifyChain(ctx.db)).broken).toBeNull();
    expect((await verifyChain(ctx.db, { anchors })).broken).toEqual({ position: 30, reason: "truncated" });
  });
});
