import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { bearer, http } from "@surge/testkit/http";
import { createTestContext, type TestContext } from "@surge/testkit/context";
import type { CommandApi } from "@surge/command-api/start";
import type { Batch } from "@surge/batch/start";
import { createSale, eventsOfType, order, sleep, startApi, startTestBatch, waitFor, waitForEvent } from "../batch-harness.js";

let ctx: TestContext;
let api: CommandApi;
let admin: string;
let batches: Batch[] = [];
const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();
const stream = (eventId: string) => `event-${eventId}`;

beforeAll(async () => {
  ctx = await createTestContext();
  api = await startApi(ctx);
  admin = await ctx.token("admin1", "admin");
});
afterEach(async () => {
  await Promise.all(batches.map((b) => b.stop()));
  batches = [];
});
afterAll(async () => {
  await api?.stop();
  await ctx?.close();
});

const start = async () => {
  const b = await startTestBatch(ctx);
  batches.push(b);
  return b;
};

describe("event scheduler", () => {
  it("opens an event within 1 s of opensAt, then orders succeed", async () => {
    await start();
    const opensAt = inSeconds(2);
    const sale = await createSale(api, admin, { opensAt, deals: [{ price: 9_900, stock: 5 }] });
    expect(sale.status).toBe("SCHEDULED");
    const dealId = sale.deals[0]!.dealId;
    const user = await ctx.token("early-bird");
    expect((await order(api, user, [{ dealId, quantity: 1 }])).body).toMatchObject({ code: "EVENT_NOT_OPEN" });

    const opened = await waitForEvent(ctx, stream(sale.eventId), "EventOpened", 5_000);
    const lateMs = opened.occurredAt.getTime() - Date.parse(opensAt);
    expect(lateMs).toBeGreaterThanOrEqual(0);
    expect(lateMs).toBeLessThan(1000);
    expect(opened.data).toMatchObject({ forced: false });
    expect(opened.metadata.userId).toBe("system:scheduler");

    const res = await order(api, user, [{ dealId, quantity: 1 }]);
    expect(res.status).toBe(201);
  });

  it("opens at start an event whose opensAt passed while it was stopped", async () => {
    const b = await start();
    const sale = await createSale(api, admin, { opensAt: inSeconds(1), deals: [{ price: 1_000, stock: 5 }] });
    await sleep(300);
    await b.stop();
    batches = [];
    await sleep(2700);
    expect(await eventsOfType(ctx, stream(sale.eventId), "EventOpened")).toEqual([]);

    const startedAt = Date.now();
    await start();
    const opened = await waitForEvent(ctx, stream(sale.eventId), "EventOpened", 5_000);
    expect(opened.occurredAt.getTime() - startedAt).toBeLessThan(1000);
  });

  it("two schedulers at once append exactly one EventOpened and one EventClosed", async () => {
    await Promise.all([start(), start()]);
    const [opensAt, closesAt] = [inSeconds(1.5), inSeconds(3.5)];
    const sale = await createSale(api, admin, { opensAt, closesAt, deals: [{ price: 1_000, stock: 5 }] });
    const closed = await waitForEvent(ctx, stream(sale.eventId), "EventClosed", 8_000);
    const opened = (await eventsOfType(ctx, stream(sale.eventId), "EventOpened"))[0]!;
    // Let both instances' timers, retries and a sweep-sized pause pass before counting.
    await sleep(1500);
    const types = (await ctx.store.readStream(stream(sale.eventId))).map((e) => e.type);
    expect(types).toEqual(["EventScheduled", "EventOpened", "EventClosed"]);
    expect(closed.occurredAt.getTime() - Date.parse(closesAt)).toBeLessThan(1000);
    expect(opened.occurredAt.getTime() - Date.parse(opensAt)).toBeLessThan(1000);
    expect((await order(api, await ctx.token("too-late"), [{ dealId: sale.deals[0]!.dealId, quantity: 1 }])).body).toMatchObject({ code: "EVENT_NOT_OPEN" });
  });

  it("serves /health, /ready and /metrics", async () => {
    const b = await start();
    expect((await http("GET", `${b.url}/health`)).status).toBe(200);
    expect((await http("GET", `${b.url}/ready`)).body).toMatchObject({ status: "ready" });
    await waitFor("a tail pass", async () => b.positions()["event-scheduler"] !== null);
    const metrics = await http("GET", `${b.url}/metrics`, { headers: bearer(admin) });
    expect(metrics.text).toMatch(/batch_tracked_events\{app="batch"\} \d+/);
    expect(metrics.text).toMatch(/batch_pending_orders/);
  });
});
