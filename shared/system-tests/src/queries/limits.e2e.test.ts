import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestContext, type TestContext } from "@surge/testkit/context";
import { readEnv } from "@surge/query-api/env";
import { startQueryApi, type QueryApi } from "@surge/query-api/start";
import { bearer, http, type HttpResponse } from "@surge/testkit/http";
import { positionOf } from "@surge/testkit/http";
import { createSale } from "@surge/testkit/sales";
import { openSse, type SseClient } from "@surge/testkit/sse";
import { waitFor } from "@surge/testkit/wait";
import { startApps, type Apps } from "../apps.js";

let ctx: TestContext;
let apps: Apps;
/** query-api with small token buckets: 5 requests at once, then one every 100 s, however slow the machine. */
let limited: QueryApi;
/** The same behind one trusted proxy. */
let proxied: QueryApi;
const clients: SseClient[] = [];

const RATE = 0.01;
const SMALL_BUCKET = {
  PUBLIC_RATE_LIMIT_PER_SECOND: String(RATE),
  PUBLIC_RATE_LIMIT_BURST: "5",
  QUERY_RATE_LIMIT_PER_SECOND: String(RATE),
  QUERY_RATE_LIMIT_BURST: "5",
};

beforeAll(async () => {
  ctx = await createTestContext();
  // A wait far longer than any test here may take: a request that waited could not pass.
  apps = await startApps(ctx, { LIVE_MAX_PER_CLIENT: "2", LIVE_MAX_TOTAL: "3", MIN_POSITION_WAIT_MS: "30000" });
  limited = await startQueryApi(readEnv({ ...ctx.appEnv, ...SMALL_BUCKET, QUERY_API_PORT: "0" }));
  // Its own Redis key space, so its buckets are not the other app's.
  proxied = await startQueryApi(
    readEnv({ ...ctx.appEnv, ...SMALL_BUCKET, TRUST_PROXY: "1", REDIS_KEY_PREFIX: `${ctx.redisKeyPrefix}proxied:`, QUERY_API_PORT: "0" }),
  );
});
afterAll(async () => {
  for (const c of clients) c.close();
  await proxied?.stop();
  await limited?.stop();
  await apps?.stop();
  await ctx?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const statuses = (replies: HttpResponse[]) => replies.map((r) => r.status);

/** `n` requests at once; answers with how many tokens the bucket may have refilled meanwhile. */
async function burst(n: number, send: () => Promise<HttpResponse>): Promise<{ replies: HttpResponse[]; refilled: number }> {
  const started = Date.now();
  const replies = await Promise.all(Array.from({ length: n }, send));
  return { replies, refilled: Math.ceil(((Date.now() - started) / 1000) * RATE) };
}

function expectLimited(replies: HttpResponse[], refilled: number, served: number) {
  const ok = replies.filter((r) => r.status !== 429);
  const refused = replies.filter((r) => r.status === 429);
  expect(ok.length).toBeGreaterThanOrEqual(5);
  expect(ok.length).toBeLessThanOrEqual(5 + refilled);
  expect(
    ok.every((r) => r.status === served),
    JSON.stringify(statuses(replies)),
  ).toBe(true);
  expect(refused.length).toBe(replies.length - ok.length);
  for (const r of refused) {
    expect(r.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect((r.body as { code: string }).code).toBe("RATE_LIMITED");
    expect(Number(r.headers["retry-after"])).toBeGreaterThanOrEqual(1);
  }
}

describe("query-api rate limits", () => {
  it("limits the public reads per client address: a burst past it gets 429 with Retry-After, another address is unaffected", async () => {
    const { replies, refilled } = await burst(12, () => http("GET", `${limited.url}/products`, { localAddress: "127.0.0.2" }));
    expectLimited(replies, refilled, 200);
    // A forged X-Forwarded-For changes nothing without a trusted proxy.
    const forged = await http("GET", `${limited.url}/products`, { localAddress: "127.0.0.2", headers: { "x-forwarded-for": "10.1.2.3" } });
    expect(forged.status).toBe(429);
    expect((await http("GET", `${limited.url}/products`, { localAddress: "127.0.0.3" })).status).toBe(200);
  });

  it("limits the authenticated reads per user: another user at the same address is unaffected", async () => {
    const flooder = await ctx.token("q-flooder");
    const { replies, refilled } = await burst(12, () => http("GET", `${limited.url}/me/coupons`, { headers: bearer(flooder) }));
    expectLimited(replies, refilled, 200);
    expect((await http("GET", `${limited.url}/me/coupons`, { headers: bearer(await ctx.token("q-calm")) })).status).toBe(200);
  });

  it("behind a trusted proxy, counts the address the proxy saw, not what the client wrote before it", async () => {
    // The proxy appends the peer it saw; "10.9.9.9" is what a client wrote itself.
    const via = (client: string) => () => http("GET", `${proxied.url}/products`, { headers: { "x-forwarded-for": `10.9.9.9, ${client}` } });
    const { replies, refilled } = await burst(12, via("10.0.0.1"));
    expectLimited(replies, refilled, 200);
    expect((await via("10.0.0.2")()).status).toBe(200);
  });
});

describe("live stream caps", () => {
  const open = async (eventId: string, localAddress: string) => {
    const client = await openSse(`${apps.query}/events/${eventId}/live`, { localAddress });
    clients.push(client);
    return client;
  };
  /** Opens a stream once a slot is free: a closed stream's slot frees when the server sees the connection end. */
  const openWhenFree = async (eventId: string, localAddress: string) => {
    let client = await open(eventId, localAddress);
    for (let i = 0; i < 100 && client.status === 429; i++) {
      await sleep(20);
      client = await open(eventId, localAddress);
    }
    return client;
  };
  const expectRefused = (client: SseClient) => {
    expect(client.status).toBe(429);
    expect(client.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(client.problem).toMatchObject({ code: "RATE_LIMITED", status: 429 });
    expect(Number(client.headers["retry-after"])).toBeGreaterThanOrEqual(1);
  };

  it("refuses a client's third stream and the fourth in all with 429; a closed stream frees its slot", async () => {
    const sale = await createSale(apps.command, await ctx.token("admin1", "admin"), { deals: [{ price: 1_000, stock: 5 }] });
    await http("GET", `${apps.query}/events/${sale.eventId}`, { headers: { "X-Min-Position": String(positionOf(sale.reply)) } });

    const [a1, a2] = [await open(sale.eventId, "127.0.0.2"), await open(sale.eventId, "127.0.0.2")];
    expect([a1.status, a2.status]).toEqual([200, 200]);
    await a2.next("snapshot");
    expectRefused(await open(sale.eventId, "127.0.0.2"));

    const b1 = await open(sale.eventId, "127.0.0.3");
    expect(b1.status).toBe(200);
    // Three open in all: another address is refused too.
    expectRefused(await open(sale.eventId, "127.0.0.4"));

    a1.close();
    const again = await openWhenFree(sale.eventId, "127.0.0.2");
    expect(again.status).toBe(200);
    await again.next("snapshot");
    expectRefused(await open(sale.eventId, "127.0.0.2"));

    for (const c of [a2, b1, again]) c.close();
  });

  it("counts a client's coupon streams with its event streams", async () => {
    const admin = await ctx.token("admin1", "admin");
    const sale = await createSale(apps.command, admin, { deals: [{ price: 1_000, stock: 5 }] });
    const coupon = await http("POST", `${apps.command}/admin/coupons`, {
      token: admin,
      body: { name: "CAPPED", discount: { type: "FIXED", amount: 1000 }, quantity: 5 },
    });
    expect(coupon.status).toBe(201);
    await http("GET", `${apps.query}/coupons/${coupon.body.couponId}`, {
      headers: { "X-Min-Position": String(Math.max(positionOf(sale.reply), positionOf(coupon))) },
    });
    const openCoupon = async (localAddress: string) => {
      const client = await openSse(`${apps.query}/coupons/${coupon.body.couponId}/live`, { localAddress });
      clients.push(client);
      return client;
    };

    const onEvent = await openWhenFree(sale.eventId, "127.0.0.6");
    // Slots of the streams earlier tests closed free once the server sees those connections end.
    const onCoupon = await waitFor("a free slot", async () => {
      const client = await openCoupon("127.0.0.6");
      return client.status === 429 ? null : client;
    });
    expect([onEvent.status, onCoupon.status]).toEqual([200, 200]);
    await onCoupon.next("snapshot");
    // The client's third stream, of either kind, is refused.
    expectRefused(await openCoupon("127.0.0.6"));
    expectRefused(await open(sale.eventId, "127.0.0.6"));
    onEvent.close();
    onCoupon.close();
  });

  it("a request for an unknown event holds no slot", async () => {
    const sale = await createSale(apps.command, await ctx.token("admin1", "admin"), { deals: [{ price: 1_000, stock: 5 }] });
    await http("GET", `${apps.query}/events/${sale.eventId}`, { headers: { "X-Min-Position": String(positionOf(sale.reply)) } });
    for (let i = 0; i < 3; i++) expect((await open("00000000-0000-7000-8000-000000000000", "127.0.0.5")).status).toBe(404);
    // Had the 404s kept their slots, this address would be refused for good.
    const first = await openWhenFree(sale.eventId, "127.0.0.5");
    const second = await openWhenFree(sale.eventId, "127.0.0.5");
    expect([first.status, second.status]).toEqual([200, 200]);
    first.close();
    second.close();
  });
});

describe("X-Min-Position beyond the store's head", () => {
  // MIN_POSITION_WAIT_MS is 30 s and this test may take 10: a request that waited cannot pass.
  it("answers 400 VALIDATION_FAILED at once instead of waiting", { timeout: 10_000 }, async () => {
    const head = await ctx.store.headPosition();
    const token = await ctx.token("q-future");
    for (const [path, auth] of [
      ["/products", {}],
      ["/me/coupons", bearer(token)],
    ] as const) {
      const res = await http("GET", `${apps.query}${path}`, { headers: { ...auth, "x-min-position": String(head + 1000) } });
      expect(res.status, path).toBe(400);
      expect(res.body).toMatchObject({ code: "VALIDATION_FAILED", errors: [{ path: "X-Min-Position", message: expect.any(String) }] });
      expect(res.headers["x-projection-position"]).toMatch(/^\d+$/);
    }
  });

  it("still serves a position a command has just committed, each time", { timeout: 30_000 }, async () => {
    // Each round first has the head read (and cached) below the next command's position, then asks for that position.
    for (let i = 0; i < 10; i++) {
      const head = await ctx.store.headPosition();
      expect((await http("GET", `${apps.query}/products`, { headers: { "x-min-position": String(head + 1) } })).status).toBe(400);
      const sale = await createSale(apps.command, await ctx.token("admin1", "admin"), { deals: [{ price: 1_000, stock: 5 }] });
      const res = await http("GET", `${apps.query}/events/${sale.eventId}`, { headers: { "X-Min-Position": String(positionOf(sale.reply)) } });
      expect(res.status).toBe(200);
      expect(Number(res.headers["x-projection-position"])).toBeGreaterThanOrEqual(positionOf(sale.reply));
    }
  });
});
