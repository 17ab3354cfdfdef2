import { setTimeout as delay } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestContext, type TestContext } from "@surge/testkit/context";
import { failingWriters } from "@surge/testkit/failing-writers";
import { z } from "zod";
import { rawEvent } from "@surge/testkit/raw-event";
import { ConcurrencyError, EventSchemaError, FenceError, StaleAppendError } from "../errors.js";
import { eventType } from "../events/event-type.js";
import { newId } from "../ids.js";
import { MysqlEventStore } from "./mysql-event-store.js";
import type { NewEvent } from "./types.js";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

const ThingHappened = eventType("ThingHappened", z.object({ n: z.number().int().min(0) }));
const event = (n: number, eventId?: string): NewEvent => rawEvent(ThingHappened, { n }, { eventId, correlationId: "c" });

describe("MySQL event store", () => {
  it("appends with per-stream optimistic concurrency and reads streams back in order", async () => {
    const s = `thing-${newId()}`;
    const first = await ctx.store.append(s, "no_stream", [event(1), event(2)]);
    expect(first.version).toBe(2);
    await expect(ctx.store.append(s, "no_stream", [event(3)])).rejects.toBeInstanceOf(ConcurrencyError);
    await expect(ctx.store.append(s, 1, [event(3)])).rejects.toBeInstanceOf(ConcurrencyError);
    const second = await ctx.store.append(s, 2, [event(3)]);
    expect(second.version).toBe(3);
    expect(second.lastPosition).toBe(first.lastPosition + 1);
    const read = await ctx.store.readStream(s);
    expect(read.map((e) => [e.version, (e.data as { n: number }).n])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    expect(read.map((e) => e.position)).toEqual([...first.positions, ...second.positions]);
  });

  it("fails only the conflicting append of a batch and commits the rest", async () => {
    const hot = `thing-${newId()}`;
    await ctx.store.append(hot, "no_stream", [event(0)]);
    // Ten appends expecting version 1 race inside one group commit: exactly one may win.
    const racers = Array.from({ length: 10 }, (_, i) => ctx.store.append(hot, 1, [event(i)]));
    const others = Array.from({ length: 10 }, (_, i) => ctx.store.append(`thing-${newId()}`, "no_stream", [event(i)]));
    const results = await Promise.allSettled([...racers, ...others]);
    const won = results.slice(0, 10).filter((r) => r.status === "fulfilled");
    const lost = results.slice(0, 10).filter((r) => r.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost.every((r) => r.status === "rejected" && r.reason instanceof ConcurrencyError)).toBe(true);
    expect(results.slice(10).every((r) => r.status === "fulfilled")).toBe(true);
    expect(await ctx.store.readStream(hot)).toHaveLength(2);
  });

  it("batches concurrent appends into few transactions", async () => {
    const sizes: number[] = [];
    const store = new MysqlEventStore(ctx.db, { onBatch: (n) => sizes.push(n) });
    await Promise.all(Array.from({ length: 300 }, (_, i) => store.append(`thing-${newId()}`, "any", [event(i)])));
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(300);
    expect(sizes.length).toBeLessThan(300);
    expect(Math.max(...sizes)).toBeGreaterThan(1);
  });

  it("rejects appends whose fence was rotated, and appends past their deadline", async () => {
    const key = `fence-${newId()}`;
    const oldToken = await ctx.store.rotateFence(key);
    await ctx.store.append(`thing-${newId()}`, "any", [event(1)], { fence: { key, token: oldToken } });
    await ctx.store.rotateFence(key);
    await expect(ctx.store.append(`thing-${newId()}`, "any", [event(2)], { fence: { key, token: oldToken } })).rejects.toBeInstanceOf(FenceError);
    await expect(ctx.store.append(`thing-${newId()}`, "any", [event(3)], { notAfter: Date.now() - 1 })).rejects.toBeInstanceOf(StaleAppendError);
  });

  it("appends to several streams atomically: one conflicting part fails them all", async () => {
    const a = `thing-${newId()}`;
    const b = `thing-${newId()}`;
    await ctx.store.append(b, "no_stream", [event(0)]);
    await expect(
      ctx.store.appendMulti([
        { streamId: a, expected: "no_stream", events: [event(1)] },
        { streamId: b, expected: "no_stream", events: [event(2)] },
      ]),
    ).rejects.toBeInstanceOf(ConcurrencyError);
    expect(await ctx.store.readStream(a)).toHaveLength(0);
    const [ra, rb] = await ctx.store.appendMulti([
      { streamId: a, expected: "no_stream", events: [{ ...event(1), tag: "sale:1" }] },
      { streamId: b, expected: 1, events: [{ ...event(2), tag: "sale:1" }] },
    ]);
    expect([ra!.version, rb!.version]).toEqual([1, 2]);
    expect(ra!.lastPosition).toBe(rb!.positions[0]);
    const tagged = await ctx.store.readByTag("sale:1");
    expect(tagged.map((e) => e.streamId)).toEqual([a, b]);
    expect((await ctx.store.readEvent(tagged[0]!.eventId))?.streamId).toBe(a);
  });

  it("refuses an append holding one event its schema rejects, writes none of it, and says why", async () => {
    const a = `thing-${newId()}`;
    const b = `thing-${newId()}`;
    const head = await ctx.store.headPosition();
    const bad = { ...event(1), data: { n: "one" } } as unknown as NewEvent;
    const refused = ctx.store.appendMulti([
      { streamId: a, expected: "no_stream", events: [event(0), bad] },
      { streamId: b, expected: "no_stream", events: [event(2)] },
    ]);
    await expect(refused).rejects.toBeInstanceOf(EventSchemaError);
    await expect(refused).rejects.toThrow(`ThingHappened for stream ${a} was refused: data.n: `);
    const noCorrelation = { ...event(3), metadata: { ...event(3).metadata, correlationId: "", note: "x" } } as unknown as NewEvent;
    await expect(ctx.store.append(b, "any", [noCorrelation])).rejects.toThrow(/metadata\.correlationId: .*; metadata: Unrecognized key: "note"/);
    expect(await ctx.store.readStream(a)).toHaveLength(0);
    expect(await ctx.store.readStream(b)).toHaveLength(0);
    expect(await ctx.store.headPosition()).toBe(head);
    // The same append with valid events goes through: the refusal was the schema's, not the store's.
    await ctx.store.appendMulti([{ streamId: a, expected: "no_stream", events: [event(0), event(1)] }]);
    expect(await ctx.store.readStream(a)).toHaveLength(2);
  });

  it("reports which event ids are committed", async () => {
    const id = newId();
    await ctx.store.append(`thing-${newId()}`, "any", [event(1, id)]);
    const found = await ctx.store.committedEventIds([id, newId()]);
    expect([...found]).toEqual([id]);
  });

  it("never lets a polling reader skip an event: 8 writers, random delays before commit, rollbacks", async () => {
    const start = await ctx.store.headPosition();
    const { writers, rollbacks } = failingWriters(ctx.db, 8);
    const committed = new Set<string>();
    let writing = true;
    const seen: number[] = [];
    const seenIds: string[] = [];
    const reader = (async () => {
      let checkpoint = start;
      for (;;) {
        const done = !writing;
        const batch = await ctx.store.readAll(checkpoint, 50);
        for (const e of batch) {
          seen.push(e.position);
          seenIds.push(e.eventId);
          checkpoint = e.position;
        }
        if (done && batch.length === 0) return;
        if (batch.length === 0) await delay(1);
      }
    })();
    await Promise.all(
      writers.map(async (w, wi) => {
        for (let i = 0; i < 40; i++) {
          const attempts = Array.from({ length: 3 }, (_, j) => {
            const id = newId();
            return w
              .append(`thing-${wi}-${i}-${j}`, "no_stream", [event(i, id)])
              .then(() => committed.add(id))
              .catch(() => undefined);
          });
          await Promise.all(attempts);
        }
      }),
    );
    writing = false;
    await reader;
    expect(rollbacks()).toBeGreaterThan(0);
    expect(committed.size).toBeGreaterThan(500);
    // Every committed event seen exactly once, in strictly increasing position order.
    expect(seenIds.length).toBe(committed.size);
    expect(new Set(seenIds)).toEqual(committed);
    expect(seen.every((p, i) => i === 0 || p > seen[i - 1]!)).toBe(true);
    expect(seen[seen.length - 1]).toBe(await ctx.store.headPosition());
  });
});

describe("tamper evidence", () => {
  it("chains every event to the one before and names the first altered, deleted or inserted event", async () => {
    const local = await createTestContext();
    try {
      for (let i = 0; i < 30; i++) await local.store.append(`thing-${i % 4}`, "any", [event(i), event(i + 100)]);
      const { verifyChain } = await import("./chain.js");
      expect(await verifyChain(local.db)).toMatchObject({ checked: 60, headPosition: 60, broken: null });

      // One byte of one event's data.
      const { sql } = await import("kysely");
      await sql`UPDATE events SET data = REPLACE(data, '"n":7', '"n":8') WHERE position = 15`.execute(local.db);
      expect((await verifyChain(local.db)).broken).toEqual({ position: 15, reason: "altered" });
      await sql`UPDATE events SET data = REPLACE(data, '"n":8', '"n":7') WHERE position = 15`.execute(local.db);
      expect((await verifyChain(local.db)).broken).toBeNull();

      // Metadata is covered too.
      await sql`UPDATE events SET metadata = REPLACE(metadata, '"c"', '"x"') WHERE position = 40`.execute(local.db);
      expect((await verifyChain(local.db)).broken).toEqual({ position: 40, reason: "altered" });
      await sql`UPDATE events SET metadata = REPLACE(metadata, '"x"', '"c"') WHERE position = 40`.execute(local.db);

      const row = await local.db.selectFrom("events").selectAll().where("position", "=", 22).executeTakeFirstOrThrow();
      await sql`DELETE FROM events WHERE position = 22`.execute(local.db);
      expect((await verifyChain(local.db)).broken).toEqual({ position: 22, reason: "missing" });
      await local.db.insertInto("events").values(row).execute();

      const last = await local.db.selectFrom("events").selectAll().where("position", "=", 60).executeTakeFirstOrThrow();
      await sql`DELETE FROM events WHERE position = 60`.execute(local.db);
      expect((await verifyChain(local.db)).broken).toEqual({ position: 60, reason: "missing" });
      await local.db.insertInto("events").values(last).execute();
      await local.db
        .insertInto("events")
        .values({ ...last, position: 61, event_id: newId(), version: 999 })
        .execute();
      expect((await verifyChain(local.db)).broken).toEqual({ position: 61, reason: "inserted" });
    } finally {
      await local.close();
    }
  });
});

describe("pre-encoded rows", () => {
  const NoteTaken = eventType("NoteTaken", z.object({ text: z.string() }));
  const nasty = [
    "it's",
    "back\\slash and \\' and a trailing \\",
    "nul\0byte",
    "line\nbreak\r\n",
    "substitute\x1a",
    "? and ?? and ??? placeholders",
    `"double" 'single' \`tick\``,
    "'; DELETE FROM events; --",
    "emoji 🎉, ü, 中文, \u2028",
    "",
  ];

  it("stores every character of data, tag and ids exactly, and the chain seals what was stored", async () => {
    const local = await createTestContext();
    try {
      const s = `note-'\\-${newId()}`;
      const tag = "tag 'with' \\ quotes\0";
      const events = nasty.map((text, i) =>
        rawEvent(NoteTaken, { text }, { correlationId: "c'\\", tag, at: i === 0 ? "2026-12-03T09:00:00.123+09:00" : new Date() }),
      );
      await local.store.append(s, "no_stream", events);
      const read = await local.store.readStream(s);
      expect(read.map((e) => (e.data as { text: string }).text)).toEqual(nasty);
      expect(read.map((e) => [e.streamId, e.tag, e.metadata.correlationId])).toEqual(nasty.map(() => [s, tag, "c'\\"]));
      // Times are written as literals of their own: to the millisecond, in UTC whatever offset the metadata used.
      expect(read.map((e) => e.occurredAt.toISOString())).toEqual(events.map((e) => new Date(e.metadata.occurredAt).toISOString()));
      const { verifyChain } = await import("./chain.js");
      expect(await verifyChain(local.db)).toMatchObject({ checked: nasty.length, broken: null });
    } finally {
      await local.close();
    }
  });
});
