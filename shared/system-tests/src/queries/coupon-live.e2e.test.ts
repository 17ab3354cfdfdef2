import { afterAll, describe, expect, it } from "vitest";
import { useApps } from "../apps.js";
import { after, http } from "@surge/testkit/http";
import { openSse, type SseClient } from "@surge/testkit/sse";
import { waitFor } from "@surge/testkit/wait";

// A short heartbeat, so the test sees the comments without waiting 15 s.
const { ctx, apps } = useApps({ LIVE_HEARTBEAT_MS: "200", LIVE_RETRY_MS: "1500" });
const clients: SseClient[] = [];
afterAll(() => {
  for (const c of clients) c.close();
});

const open = async (couponId: string) => {
  const client = await openSse(`${apps.query}/coupons/${couponId}/live`);
  clients.push(client);
  return client;
};
const subscribers = async () => Number(/^coupon_live_stream_subscribers\{[^}]*\} (\S+)$/m.exec(await (await fetch(`${apps.query}/metrics`)).text())?.[1]);

/** A coupon drop open now, and its read model caught up with it. */
async function createDrop(quantity: number) {
  const reply = await http("POST", `${apps.command}/admin/coupons`, {
    token: await ctx.token("admin1", "admin"),
    body: { name: "LIVE 3000", discount: { type: "FIXED", amount: 3000 }, quantity },
  });
  expect(reply.status).toBe(201);
  const view = await http("GET", `${apps.query}/coupons/${reply.body.couponId}`, { headers: after(reply) });
  expect(view.status).toBe(200);
  return view.body as { couponId: string; quantity: number; claimed: number; remaining: number };
}
const claim = async (couponId: string, user: string) => http("POST", `${apps.command}/coupons/${couponId}/claims`, { token: await ctx.token(user) });

describe("GET /coupons/{couponId}/live", () => {
  it("sends the snapshot with retry:, then claims and rate as they change, to every subscriber", async () => {
    const coupon = await createDrop(5);
    const viewer = await open(coupon.couponId);
    const second = await open(coupon.couponId);
    expect(viewer.status).toBe(200);
    expect(viewer.headers["content-type"]).toMatch(/^text\/event-stream/);
    expect(viewer.headers["x-projection-position"]).toMatch(/^\d+$/);
    expect(await viewer.next("snapshot")).toEqual(coupon);
    expect(await second.next("snapshot")).toEqual(coupon);
    // The browser's EventSource reconnects after this long when the stream drops.
    expect(viewer.retry()).toBe(1500);
    // The first poll states the rate once; nothing was claimed yet.
    expect(await viewer.next("rate")).toEqual({ perSecond: 0 });

    expect((await claim(coupon.couponId, "cl1")).status).toBe(201);
    expect(await viewer.next("claims")).toEqual({ claimed: 1, remaining: 4 });
    expect(await second.next("claims")).toEqual({ claimed: 1, remaining: 4 });
    // One claim averaged over the 5 s window.
    expect(await viewer.next("rate", (r) => r.perSecond > 0)).toEqual({ perSecond: 0.2 });

    const rest = await Promise.all(["cl2", "cl3", "cl4", "cl5", "cl6", "cl7"].map((u) => claim(coupon.couponId, u)));
    expect(rest.map((r) => r.status).sort()).toEqual([201, 201, 201, 201, 409, 409]);
    expect(await viewer.next("claims", (c) => c.remaining === 0)).toEqual({ claimed: 5, remaining: 0 });
    expect(await second.next("claims", (c) => c.remaining === 0)).toEqual({ claimed: 5, remaining: 0 });
    // The figures only ever drain, and each message differs from the one before.
    const sent = viewer
      .received()
      .filter((m) => m.event === "claims")
      .map((m) => m.data.claimed);
    expect(sent).toEqual([...new Set(sent)].sort((a, b) => a - b));
    // The rate falls back to 0 once the window holds no claims.
    expect(await viewer.next("rate", (r) => r.perSecond === 0, 10_000)).toEqual({ perSecond: 0 });
    expect(viewer.comments()).toBeGreaterThan(0);
    const final = await http("GET", `${apps.query}/coupons/${coupon.couponId}`);
    expect(final.body).toMatchObject({ claimed: 5, remaining: 0 });
  });

  it("stops a stream's work when its client disconnects", async () => {
    const coupon = await createDrop(3);
    const before = await subscribers();
    const viewer = await open(coupon.couponId);
    await viewer.next("snapshot");
    expect(await subscribers()).toBe(before + 1);
    viewer.close();
    await waitFor("the stream's subscription to end", async () => (await subscribers()) === before, 2_000);
  });

  it("answers 404 problem+json, not a stream, for an unknown coupon, and 400 for an over-long id", async () => {
    const res = await open("00000000-0000-7000-8000-000000000000");
    expect(res.status).toBe(404);
    expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(res.problem).toMatchObject({ code: "NOT_FOUND", status: 404 });
    const long = await open("x".repeat(65));
    expect(long.status).toBe(400);
    expect(long.problem).toMatchObject({ code: "VALIDATION_FAILED" });
  });

  it("is documented in the OpenAPI document, with the dashboard page", async () => {
    const doc = (await http("GET", `${apps.query}/openapi.json`)).body;
    const live = doc.paths["/coupons/{couponId}/live"].get;
    expect(Object.keys(live.responses).sort()).toEqual(["200", "400", "404", "429", "503"]);
    expect(Object.keys(live.responses["200"].content)).toEqual(["text/event-stream"]);
    expect(Object.keys(doc.paths["/dashboard"].get.responses["200"].content)).toEqual(["text/html"]);
  });
});
