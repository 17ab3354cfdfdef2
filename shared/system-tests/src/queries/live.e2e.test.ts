import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestContext, type TestContext } from "@surge/testkit/context";
import { readEnv } from "@surge/query-api/env";
import { startQueryApi } from "@surge/query-api/start";
import { startApps, type Apps } from "../apps.js";
import { call } from "@surge/testkit/call";
import { after, createSale, placeOrder } from "@surge/testkit/query-sales";
import { openSse, type SseClient } from "@surge/testkit/sse";

let ctx: TestContext;
let apps: Apps;
const clients: SseClient[] = [];
beforeAll(async () => {
  ctx = await createTestContext();
  // A short heartbeat, so the test sees the comments without waiting 15 s.
  apps = await startApps(ctx, { LIVE_HEARTBEAT_MS: "200" });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await apps?.stop();
  await ctx?.close();
});

const open = async (eventId: string) => {
  const client = await openSse(`${apps.query}/events/${eventId}/live`);
  clients.push(client);
  return client;
};
const subscribers = async () => Number(/^live_stream_subscribers\{[^}]*\} (\S+)$/m.exec(await (await fetch(`${apps.query}/metrics`)).text())?.[1]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("GET /events/{eventId}/live", () => {
  it("sends a snapshot, then stock, rate and status changes to every subscriber", async () => {
    const sale = await createSale(ctx, apps.command, { deals: [{ price: 1_000, stock: 10 }, { price: 2_000, stock: 4 }] });
    const [d1, d2] = sale.dealIds as [string, string];
    const current = await call(apps.query, "GET", `/events/${sale.eventId}`, { headers: after(sale.reply) });

    const viewer = await open(sale.eventId);
    const second = await open(sale.eventId);
    expect(viewer.status).toBe(200);
    expect(viewer.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(viewer.headers.get("x-projection-position")).toMatch(/^\d+$/);
    expect(await viewer.next("snapshot")).toEqual(current.body);
    expect(await second.next("snapshot")).toEqual(current.body);
    // The first poll states the rate once; nothing was ordered yet.
    expect(await viewer.next("rate")).toEqual({ ordersPerSecond: 0 });

    await placeOrder(apps.command, await ctx.token("live1"), [{ dealId: d1, quantity: 3 }]);
    expect(await viewer.next("stock")).toEqual({ dealId: d1, remaining: 7, sold: 3 });
    expect(await second.next("stock")).toEqual({ dealId: d1, remaining: 7, sold: 3 });
    // One order averaged over the 5 s window.
    expect(await viewer.next("rate")).toEqual({ ordersPerSecond: 0.2 });
    // Only the deal that changed was sent.
    expect(viewer.received().filter((m) => m.event === "stock" && m.data.dealId === d2)).toEqual([]);

    await placeOrder(apps.command, await ctx.token("live2"), [{ dealId: d2, quantity: 4 }]);
    expect(await viewer.next("stock")).toEqual({ dealId: d2, remaining: 0, sold: 4 });

    const closed = await call(apps.command, "POST", `/admin/events/${sale.eventId}/close`, { token: await ctx.token("admin1", "admin") });
    expect(closed.status).toBe(200);
    expect(await viewer.next("status")).toEqual({ status: "CLOSED" });
    expect(await second.next("status")).toEqual({ status: "CLOSED" });
    // The rate falls back to 0 once the window holds no orders.
    expect(await viewer.next("rate", (r) => r.ordersPerSecond === 0, 10_000)).toEqual({ ordersPerSecond: 0 });
    // Whether the 0.2 step on the way down is seen depends on poll timing; the rise is not.
    const rates = viewer.received().filter((m) => m.event === "rate").map((m) => m.data.ordersPerSecond);
    expect(rates.slice(0, 3)).toEqual([0, 0.2, 0.4]);
    expect(rates.at(-1)).toBe(0);
    expect(viewer.comments()).toBeGreaterThan(0);
    expect(viewer.received().filter((m) => m.event === "status")).toHaveLength(1);
  });

  it("stops a stream's work when its client disconnects", async () => {
    const sale = await createSale(ctx, apps.command, { deals: [{ price: 1_000, stock: 5 }] });
    await call(apps.query, "GET", `/events/${sale.eventId}`, { headers: after(sale.reply) });
    const before = await subscribers();
    const viewer = await open(sale.eventId);
    await viewer.next("snapshot");
    expect(await subscribers()).toBe(before + 1);
    viewer.close();
    for (let i = 0; i < 100 && (await subscribers()) !== before; i++) await sleep(20);
    expect(await subscribers()).toBe(before);
  });

  it("ends open streams when the process stops, instead of holding the shutdown", async () => {
    const sale = await createSale(ctx, apps.command, { deals: [{ price: 1_000, stock: 5 }] });
    await call(apps.query, "GET", `/events/${sale.eventId}`, { headers: after(sale.reply) });
    const own = await startQueryApi(readEnv({ ...ctx.appEnv, QUERY_API_PORT: "0" }));
    const viewer = await openSse(`${own.url}/events/${sale.eventId}/live`);
    clients.push(viewer);
    await viewer.next("snapshot");
    const started = performance.now();
    await own.stop();
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it("answers 404 problem+json, not a stream, for an unknown event", async () => {
    const res = await open("00000000-0000-7000-8000-000000000000");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(res.problem).toMatchObject({ code: "NOT_FOUND", status: 404 });
  });
});
