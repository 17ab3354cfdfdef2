import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "@surge/platform/logging";
import { newId } from "@surge/platform/ids";
import { RedisLocks } from "@surge/platform/redis/lock";
import { systemContext } from "@surge/platform/command/context";
import { bindEvents } from "@surge/platform/events/new-event";
import { rawMetadata } from "@surge/testkit/raw-event";
import { createTestContext, type TestContext } from "@surge/testkit/context";
import { waitFor } from "@surge/testkit/wait";
import { StockGuard } from "./stock-guard.js";
import { saleEventTypes, saleStream, type SaleDefinition } from "./events.js";
import { decideSale, initialSaleState, type SaleStatus } from "./sale.js";
import { dealIdFor, transitionSale } from "./schedule.js";
import { SaleScheduler } from "./scheduler-job.js";

/** A guard whose next status writes fail, as a Redis that drops the write right after the append would. */
class LosingStatusWrites extends StockGuard {
  lose = 0;
  override async setStatus(eventId: string, status: SaleStatus, version: number): Promise<void> {
    if (this.lose > 0) {
      this.lose--;
      throw new Error("injected: the status write to Redis was lost");
    }
    await super.setStatus(eventId, status, version);
  }
}

const logger = createLogger("scheduler-test", "silent", false);
let ctx: TestContext;
let guard: LosingStatusWrites;
const schedulers: SaleScheduler[] = [];

beforeAll(async () => {
  ctx = await createTestContext();
  guard = new LosingStatusWrites(ctx.redis, ctx.store, { reservationTtlMs: 30_000 }, logger);
});
afterEach(async () => {
  guard.lose = 0;
  await Promise.all(schedulers.splice(0).map((s) => s.stop()));
});
afterAll(async () => {
  await ctx?.close();
});

const newScheduler = () => {
  const s = new SaleScheduler({ store: ctx.store, stock: guard }, new RedisLocks(ctx.redis), logger);
  schedulers.push(s);
  return s;
};

/** Feeds the scheduler the whole log, as its tail would once caught up. */
const feedLog = async (s: SaleScheduler) => s.handle(await ctx.store.readAll(0, 10_000), true);

/** A sale scheduled a minute ago; `opensInMs` from now (negative: due already), never closing unless given. */
async function scheduleSale(opensInMs: number, closesInMs: number | null = null): Promise<string> {
  const eventId = newId();
  const now = Date.now();
  const definition: SaleDefinition = {
    eventId,
    name: "status follows the store",
    opensAt: new Date(now + opensInMs).toISOString(),
    closesAt: closesInMs === null ? null : new Date(now + closesInMs).toISOString(),
    deals: [{ dealId: dealIdFor(eventId, 0), productId: "p1", productName: "P1", salePrice: 1_000, stock: 5, perUserLimit: 5 }],
    goods: null,
  };
  const events = decideSale(initialSaleState(), { type: "ScheduleSale", definition, now: new Date(now - 60_000) });
  await ctx.store.append(saleStream(eventId), "no_stream", bindEvents(saleEventTypes, events, { metadata: rawMetadata() }));
  return eventId;
}

const guardStatus = async (eventId: string) => (await guard.snapshot(eventId)).status;
const order = (eventId: string) => guard.reserve(eventId, "u1", newId(), [{ dealId: dealIdFor(eventId, 0), quantity: 1 }], new Date());

describe("the guard's sale status follows the store", () => {
  it("a close whose status write was lost after its append is repaired by the next sweep: no order after close", async () => {
    const eventId = await scheduleSale(-1_000);
    await transitionSale({ store: ctx.store, stock: guard }, eventId, "OPEN", true, systemContext("test"));
    expect(await guardStatus(eventId)).toBe("OPEN");

    // An admin's close: EventClosed is appended, then the guard's status write fails.
    guard.lose = 1;
    await expect(transitionSale({ store: ctx.store, stock: guard }, eventId, "CLOSED", true, systemContext("admin"))).rejects.toThrow(/injected/);
    expect((await ctx.store.readStream(saleStream(eventId))).map((e) => e.type)).toContain("EventClosed");
    expect(await guardStatus(eventId)).toBe("OPEN");

    const scheduler = newScheduler();
    await feedLog(scheduler);
    await scheduler.sweep();
    expect(await guardStatus(eventId)).toBe("CLOSED");
    expect((await order(eventId)).code).toBe("EVENT_NOT_OPEN");
  });

  it("an open by the schedule whose status write was lost is repaired by its retry or the sweep: the sale sells", async () => {
    const eventId = await scheduleSale(-1_000);
    // The guard holds the sale's state from before the open.
    expect(await guardStatus(eventId)).toBe("SCHEDULED");

    guard.lose = 1;
    const scheduler = newScheduler();
    // Caught up: the due open fires at once; its append commits and its status write fails.
    await feedLog(scheduler);
    await waitFor("the schedule's EventOpened", async () => (await ctx.store.readStream(saleStream(eventId))).some((e) => e.type === "EventOpened"));
    await waitFor("the failed status write", () => guard.lose === 0);
    // The tail brings the EventOpened: the retry now sees nothing to append.
    await feedLog(scheduler);
    await scheduler.sweep();
    expect(await guardStatus(eventId)).toBe("OPEN");
    expect((await order(eventId)).code).toBe("OK");
  });

  it("a status read before a later transition, written after it, changes nothing", async () => {
    const eventId = await scheduleSale(-1_000);
    await transitionSale({ store: ctx.store, stock: guard }, eventId, "OPEN", true, systemContext("scheduler"));
    await transitionSale({ store: ctx.store, stock: guard }, eventId, "CLOSED", true, systemContext("admin"));
    // The scheduler's open (version 2) lands late, after the admin's close (version 3).
    await guard.setStatus(eventId, "OPEN", 2);
    expect(await guardStatus(eventId)).toBe("CLOSED");
    // Rebuilt from the store, the guard knows the version too.
    await ctx.redis.del(`evt:{${eventId}}:meta`);
    await guard.setStatus(eventId, "OPEN", 2);
    expect(await guardStatus(eventId)).toBe("CLOSED");
  });

  it("a sale whose guard state is not loaded is left to the guard's rebuild, which reads the store", async () => {
    const eventId = await scheduleSale(-1_000);
    await transitionSale({ store: ctx.store, stock: guard }, eventId, "OPEN", true, systemContext("test"));
    await ctx.redis.del(`evt:{${eventId}}:meta`);
    const scheduler = newScheduler();
    await feedLog(scheduler);
    await scheduler.sweep();
    // The sweep wrote no status into a half-present state; the next use rebuilds it whole.
    expect(await ctx.redis.hget(`evt:{${eventId}}:meta`, "status")).toBeNull();
    expect(await guardStatus(eventId)).toBe("OPEN");
  });
});
