import { describe, expect, it } from "vitest";
import { waitFor } from "@surge/testkit/wait";
import { createLogger } from "../logging.js";
import { type EventStore, type StoredEvent } from "../eventstore/types.js";
import { LogTail, type TailHandler } from "./log-tail.js";

const event = (position: number): StoredEvent => ({
  position,
  eventId: `e${position}`,
  streamId: "s-1",
  version: position,
  type: "Something",
  data: {},
  metadata: { correlationId: "c", causationId: null, userId: null, occurredAt: new Date(0).toISOString() },
  tag: null,
  occurredAt: new Date(0),
});

/** Only readAll is used by the tail. */
function fakeStore(count: number) {
  const log = Array.from({ length: count }, (_, i) => event(i + 1));
  const reads: number[] = [];
  const store = {
    readAll: (after: number, limit: number) => {
      reads.push(after);
      return Promise.resolve(log.filter((e) => e.position > after).slice(0, limit));
    },
  } as unknown as EventStore;
  return { store, reads, append: () => log.push(event(log.length + 1)) };
}

function recorder(name: string, from = 0, failFirst = 0) {
  const seen: number[] = [];
  let failures = failFirst;
  const handler: TailHandler = {
    name,
    start: () => Promise.resolve(from),
    handle: (events) => {
      if (events.length > 0 && failures-- > 0) return Promise.reject(new Error("boom"));
      seen.push(...events.map((e) => e.position));
      return Promise.resolve();
    },
  };
  return { handler, seen };
}

const logger = createLogger("test", "silent", false);

describe("LogTail", () => {
  it("gives every handler each event after its own start, once and in order", async () => {
    const { store, append } = fakeStore(25);
    const a = recorder("a");
    const b = recorder("b", 20);
    const tail = new LogTail(store, [a.handler, b.handler], { batchSize: 10, idleMs: 5 }, logger);
    tail.start();
    await waitFor("both handlers to catch up", () => a.seen.length === 25 && b.seen.length === 5, 4_000);
    append();
    await waitFor("the appended event", () => a.seen.length === 26, 4_000);
    await tail.stop();
    expect(a.seen).toEqual(Array.from({ length: 26 }, (_, i) => i + 1));
    expect(b.seen).toEqual([21, 22, 23, 24, 25, 26]);
    expect(tail.positions()).toEqual({ a: 26, b: 26 });
  });

  it("retries a failing handler from its own position without holding the others back", async () => {
    const { store } = fakeStore(30);
    const flaky = recorder("flaky", 0, 1);
    const steady = recorder("steady");
    const tail = new LogTail(store, [flaky.handler, steady.handler], { batchSize: 10, idleMs: 5 }, logger);
    tail.start();
    await waitFor("the steady handler to catch up", () => steady.seen.length === 30, 4_000);
    // The flaky handler is backing off (1 s) and has handled nothing yet.
    expect(flaky.seen).toEqual([]);
    await waitFor("the flaky handler to catch up", () => flaky.seen.length === 30, 4_000);
    await tail.stop();
    expect(flaky.seen).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  });

  it("serves a handler far ahead with its own read while another catches up", async () => {
    const { store, reads } = fakeStore(100);
    const behind = recorder("behind");
    const ahead = recorder("ahead", 95);
    const tail = new LogTail(store, [behind.handler, ahead.handler], { batchSize: 10, idleMs: 5 }, logger);
    tail.start();
    await waitFor("the handler ahead to catch up", () => ahead.seen.length === 5, 4_000);
    // The handler ahead got its events in the first pass, not after the other caught up.
    expect(reads.slice(0, 2)).toEqual([0, 95]);
    await waitFor("the handler behind to catch up", () => behind.seen.length === 100, 4_000);
    await tail.stop();
  });
});
