import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createTestContext, type TestContext } from "@surge/testkit/context";
import { CommitCutter } from "@surge/testkit/commit-cutter";
import { rawEvent } from "@surge/testkit/raw-event";
import { createDb, type Db } from "../db/database.js";
import { AppendOutcomeUnknownError } from "../errors.js";
import { eventType } from "../events/event-type.js";
import { newId } from "../ids.js";
import { MysqlEventStore } from "./mysql-event-store.js";

/**
 * An append whose connection is lost during its COMMIT may be in the store or not. These cut the
 * connection for real (MariaDB's KILL on its thread, the server's answer dropped) and check the
 * store answers by what the database holds, looked up by event id.
 */
let ctx: TestContext;
let cutter: CommitCutter;
let db: Db;
let store: MysqlEventStore;
beforeAll(async () => {
  ctx = await createTestContext();
  const relay = await CommitCutter.start(ctx.databaseUrl, ctx.db);
  cutter = relay.cutter;
  db = createDb({ url: relay.url, poolSize: 3 });
  store = new MysqlEventStore(db, { verify: { attempts: 3, delayMs: 20 } });
});
afterAll(async () => {
  await store?.close();
  await db?.destroy();
  await cutter?.close();
  await ctx?.close();
});

const ThingHappened = eventType("ThingHappened", z.object({ n: z.number().int() }));
const thing = (n: number, eventId = newId()) => rawEvent(ThingHappened, { n }, { eventId });
const isStored = (eventId: string) => async () => (await ctx.store.readEvent(eventId)) !== null;

describe("an append whose COMMIT is cut", () => {
  it("committed: answered as the success it was, with its positions", async () => {
    const stream = `thing-${newId()}`;
    const id = newId();
    const cut = cutter.arm("after-commit", { committed: isStored(id) });
    const result = await store.append(stream, "no_stream", [thing(1, id), thing(2)]);
    expect(await cut).toBeGreaterThan(0);
    const stored = await ctx.store.readStream(stream);
    expect(result).toEqual({ streamId: stream, version: 2, positions: stored.map((e) => e.position), lastPosition: stored[1]!.position });
  });

  it("committed, for every append of its group commit", async () => {
    const ids = Array.from({ length: 6 }, () => newId());
    const cut = cutter.arm("after-commit", { committed: isStored(ids[0]!) });
    const results = await Promise.all(ids.map((id, i) => store.append(`thing-${id}`, "no_stream", [thing(i, id)])));
    await cut;
    for (const [i, id] of ids.entries()) expect(results[i]!.positions).toEqual([(await ctx.store.readEvent(id))!.position]);
  });

  it("not committed: fails as an ordinary failure, and nothing is stored", async () => {
    const stream = `thing-${newId()}`;
    const id = newId();
    const cut = cutter.arm("before-commit");
    const failure = await store.append(stream, "no_stream", [thing(1, id)]).catch((e: unknown) => e);
    await cut;
    expect(failure).toBeInstanceOf(Error);
    expect(failure).not.toBeInstanceOf(AppendOutcomeUnknownError);
    expect(await ctx.store.readEvent(id)).toBeNull();
    // The stream is as it was: the next append is its first.
    expect((await store.append(stream, "no_stream", [thing(2)])).version).toBe(1);
  });

  it("the database away while it looks: AppendOutcomeUnknownError, never a plain failure", async () => {
    const id = newId();
    const cut = cutter.arm("after-commit", { committed: isStored(id), thenRefuse: true });
    const failure = await store.append(`thing-${id}`, "no_stream", [thing(1, id)]).catch((e: unknown) => e);
    await cut;
    cutter.accept();
    expect(failure).toBeInstanceOf(AppendOutcomeUnknownError);
    expect(await ctx.store.readEvent(id)).not.toBeNull();
  });
});
