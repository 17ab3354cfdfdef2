import { afterAll, describe, expect, it } from "vitest";
import { readEnv } from "@surge/query-api/env";
import { startQueryApi } from "@surge/query-api/start";
import { useApps } from "../apps.js";
import { after, http } from "@surge/testkit/http";
import { createSale, placeOrder } from "@surge/testkit/sales";
import { openSse, type SseClient } from "@surge/testkit/sse";
import { waitFor } from "@surge/testkit/wait";

// A short heartbeat, so the test sees the comments without waiting 15 s.
const { ctx, apps } = useApps({ LIVE_HEARTBEAT_MS: "200" });
const clients: SseClient[] = [];
afterAll(() => {
  for (const c of clients) c.close();
});

const open = async (eventId: string) => {
  const client = await openSse(`${apps.query}/events/${eventId}/live`);
  clients.push(client);
  return client;
};
const subscribers = async () => Number(/^live_stream_subscribers\{[^}]*\} (\S+)$/m.exec(await (await fetch(`${apps.query}/metrics`)).text())?.[1]);

describe("GET /events/{eventId}/live", () => {
  it("sends a snapshot, then stock, rate and status changes to every subscriber", async () => {
    const sale = await createSale(apps.command, await ctx.token("admin1", "admin"), {
      deals: [
        { price: 1_000, stock: 10 },
        { price: 2_000, stock: 4 },
      ],
    });
    const [d1, d2] = sale.deals.map((d) => d.dealId) as [string, string];
    const current = await http("GET", `${apps.query}/events/${sale.eventId}`, { headers: after(sale.reply) });

    const viewer = await open(sale.eventId);
    const second = await open(sale.eventId);
    expect(viewer.status).toBe(200);
    expect(viewer.headers["content-type"]).toMatch(/^text\/event-stream/);
    expect(viewer.headers["x-projection-position"]).toMatch(/^\d+$/);
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

    const closed = await http("POST", `${apps.command}/admin/events/${sale.eventId}/close`, { token: await ctx.token("admin1", "admin") });
    expect(closed.status).toBe(200);
    expect(await viewer.next("status")).toEqual({ status: "CLOSED" });
    expect(await second.next("status")).toEqual({ status: "CLOSED" });
    // The rate falls back to 0 once the window holds no orders.
    expect(await viewer.next("rate", (r) => r.ordersPerSecond === 0, 10_000)).toEqual({ ordersPerSecond: 0 });
    // Whether the 0.2 step on the way down is seen depends on poll timing; the rise is not.
    const rates = viewer
      .received()
      .filter((m) => m.event === "rate")
      .map((m) => m.data.ordersPerSecond);
    expect(rates.slice(0, 3)).toEqual([0, 0.2, 0.4]);
    expect(rates.at(-1)).toBe(0);
    expect(viewer.comments()).toBeGreaterThan(0);
    expect(viewer.received().filter((m) => m.event === "status")).toHaveLength(1);
  });

  it("stops a stream's work when its client disconnects", async () => {
    const sale = await createSale(apps.command, await ctx.token("admin1", "admin"), { deals: [{ price: 1_000, stock: 5 }] });
    await http("GET", `${apps.query}/events/${sale.eventId}`, { headers: after(sale.reply) });
    const before = await subscribers();
    const viewer = await open(sale.eventId);
    await viewer.next("snapshot");
    expect(await subscribers()).toBe(before + 1);
    viewer.close();
    await waitFor("the stream's subscription to end", async () => (await subscribers()) === before, 2_000);
    expect(await subscribers()).toBe(before);
  });

  it("ends open streams when the process stops, instead of holding the shutdown", async () => {
    const sale = await createSale(apps.command, await ctx.token("admin1", "admin"), { deals: [{ price: 1_000, stock: 5 }] });
    await http("GET", `${apps.query}/events/${sale.eventId}`, { headers: after(sale.reply) });
    const own = await startQueryApi(readEnv({ ...ctx.appEnv, QUERY_API_PORT: "0" }));
    const viewer = await openSse(`${own.url}/events/${sale.eventId}/live`);
    clients.push(viewer);
    await viewer.next("snapshot");
    // The client never lets go: stop() returns only because the server ends the stream itself.
    await own.stop();
    await viewer.ended;
  });

  it("answers 404 problem+json, not a stream, for an unknown event", async () => {
    const res = await open("00000000-0000-7000-8000-000000000000");
    expect(res.status).toBe(404);
    expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(res.problem).toMatchObject({ code: "NOT_FOUND", status: 404 });
  });
});
