import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createTestContext, type TestContext } from "@surge/testkit/context";
import { ConcurrencyError, EventSchemaError } from "../errors.js";
import { eventType, type EventOf } from "../events/event-type.js";
import { newEvent } from "../events/new-event.js";
import { newId } from "../ids.js";
import { handle, handleStreams, type StreamDecider } from "./handle.js";
import { loadStream } from "./load.js";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

const Counted = eventType("Counted", z.object({ n: z.number().int().positive() }));
type Command = { type: "Count" } | { type: "Nothing" } | { type: "Broken" };
/** A stream that counts: each event carries the count after it, so a decision on a stale count shows. */
const counter: StreamDecider<number, Command, typeof Counted> = {
  types: [Counted],
  initialState: () => 0,
  evolve: (_, e) => e.data.n,
  decide: (n, c): EventOf<typeof Counted>[] =>
    c.type === "Count" ? [{ type: "Counted", data: { n: n + 1 } }] : c.type === "Broken" ? [{ type: "Counted", data: { n: -1 } }] : [],
};
const metadata = () => ({ correlationId: newId(), causationId: null, userId: "tester", occurredAt: new Date().toISOString() });
const counts = async (streamId: string) => (await ctx.store.readStream(streamId)).map((e) => (e.data as { n: number }).n);
/** Another writer gets to the stream between this attempt's read and its append. */
const interfere = (streamId: string) => ctx.store.append(streamId, "any", [newEvent(Counted, { n: 1000 }, { metadata: metadata() })]);

describe("handle (one stream)", () => {
  it("loads, decides and appends with the version it loaded, and reports the state and position", async () => {
    const s = `count-${newId()}`;
    const first = await handle(ctx.store, s, counter, { type: "Count" }, { metadata: metadata(), tag: "t:1" });
    const second = await handle(ctx.store, s, counter, { type: "Count" }, { metadata: metadata() });
    expect([first.state, second.state, second.loaded.version]).toEqual([1, 2, 1]);
    expect(second.position).toBe((await ctx.store.readStream(s))[1]!.position);
    expect(await counts(s)).toEqual([1, 2]);
    expect((await ctx.store.readByTag("t:1")).map((e) => e.streamId)).toEqual([s]);
  });

  it("appends nothing when the decider decides nothing", async () => {
    const s = `count-${newId()}`;
    const head = await ctx.store.headPosition();
    const r = await handle(ctx.store, s, counter, { type: "Nothing" }, { metadata: metadata() });
    expect([r.position, r.events, r.state]).toEqual([null, [], 0]);
    expect(await ctx.store.headPosition()).toBe(head);
  });

  it("retries the whole load-decide-append on a conflict: 12 concurrent commands, 12 counts, none decided on a stale count", async () => {
    const s = `count-${newId()}`;
    let decisions = 0;
    const counting = { ...counter, decide: (n: number, c: Command) => (decisions++, counter.decide(n, c)) };
    const results = await Promise.all(
      Array.from({ length: 12 }, () => handle(ctx.store, s, counting, { type: "Count" }, { metadata: metadata() }, { attempts: 20 })),
    );
    expect(await counts(s)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(results.map((r) => r.state).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    // They raced: some decided on a count another had already moved, and ran again.
    expect(decisions).toBeGreaterThan(12);
  });

  it("refuses, without retrying and without writing, an event its schema rejects", async () => {
    const s = `count-${newId()}`;
    let runs = 0;
    const broken = handleStreams(ctx.store, async (unit) => {
      runs++;
      const loaded = await unit.load(s, counter);
      return unit.append([unit.change(loaded, counter.decide(loaded.state, { type: "Broken" }), { metadata: metadata() })]);
    });
    await expect(broken).rejects.toBeInstanceOf(EventSchemaError);
    await expect(broken).rejects.toThrow(/Counted for stream count-.* was refused: data\.n: /);
    expect(runs).toBe(1);
    expect(await counts(s)).toEqual([]);
  });
});

describe("handleStreams (several streams)", () => {
  it("runs again on fresh reads when another writer got there first, and the second run decides on the new state", async () => {
    const s = `count-${newId()}`;
    let runs = 0;
    const appended = await handleStreams(ctx.store, async (unit) => {
      runs++;
      const loaded = await unit.load(s, counter);
      if (runs === 1) await interfere(s);
      return unit.append([unit.change(loaded, counter.decide(loaded.state, { type: "Count" }), { metadata: metadata() })]);
    });
    expect(runs).toBe(2);
    expect(await counts(s)).toEqual([1000, 1001]);
    expect(appended.lastPosition).toBe(await ctx.store.headPosition());
  });

  it("gives up after the bounded number of runs and throws the conflict", async () => {
    const s = `count-${newId()}`;
    let runs = 0;
    const endless = handleStreams(
      ctx.store,
      async (unit) => {
        runs++;
        const loaded = await unit.load(s, counter);
        await interfere(s);
        return unit.append([unit.change(loaded, counter.decide(loaded.state, { type: "Count" }), { metadata: metadata() })]);
      },
      { attempts: 3 },
    );
    await expect(endless).rejects.toBeInstanceOf(ConcurrencyError);
    expect(runs).toBe(3);
    expect(await counts(s)).toEqual([1000, 1000, 1000]);
  });

  it("appends to every stream or to none: a conflict on one stream leaves the others untouched", async () => {
    const [a, b, c] = [`count-${newId()}`, `count-${newId()}`, `count-${newId()}`];
    await handle(ctx.store, c, counter, { type: "Count" }, { metadata: metadata() });
    const atomic = (interfereWith: string | null, attempts: number) =>
      handleStreams(
        ctx.store,
        async (unit) => {
          const loaded = await Promise.all([a, b, c].map((s) => unit.load(s, counter)));
          if (interfereWith) await interfere(interfereWith);
          const stamp = { metadata: metadata() };
          return unit.append(loaded.map((l) => unit.change(l, counter.decide(l.state, { type: "Count" }), stamp)));
        },
        { attempts },
      );
    await expect(atomic(b, 2)).rejects.toBeInstanceOf(ConcurrencyError);
    expect([await counts(a), await counts(b), await counts(c)]).toEqual([[], [1000, 1000], [1]]);

    const done = await atomic(null, 1);
    expect([await counts(a), await counts(b), await counts(c)]).toEqual([[1], [1000, 1000, 1001], [1, 2]]);
    // One write, in the order of the parts: the positions follow one another.
    expect(done.results.map((r) => r.positions[0])).toEqual([done.lastPosition - 2, done.lastPosition - 1, done.lastPosition]);
    expect(done.results.every((r) => r.lastPosition === done.lastPosition)).toBe(true);
  });

  it("skips streams with nothing decided, and refuses a version read outside the attempt or a second append", async () => {
    const [a, b] = [`count-${newId()}`, `count-${newId()}`];
    const done = await handleStreams(ctx.store, async (unit) => {
      const [la, lb] = await Promise.all([unit.load(a, counter), unit.load(b, counter)]);
      const appended = await unit.append([
        unit.change(la, counter.decide(la.state, { type: "Count" }), { metadata: metadata() }),
        unit.change(lb, [], { metadata: metadata() }),
      ]);
      await expect(unit.append([unit.change(la, counter.decide(la.state, { type: "Count" }), { metadata: metadata() })])).rejects.toThrow(/once per attempt/);
      return appended;
    });
    expect(done.results.map((r) => r.streamId)).toEqual([a]);
    expect([await counts(a), await counts(b)]).toEqual([[1], []]);

    const early = await loadStream(ctx.store, a, counter);
    await expect(handleStreams(ctx.store, async (unit) => unit.change(early, [{ type: "Counted", data: { n: 2 } }], { metadata: metadata() }))).rejects.toThrow(
      /not loaded by this attempt/,
    );
  });
});
