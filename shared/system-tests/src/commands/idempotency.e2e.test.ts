import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "kysely";
import { saleKeys } from "@surge/areas/sales/stock-guard";
import type { CommandApi } from "@surge/command-api/start";
import { idempotencyRecordKey } from "@surge/command-api/http/idempotency";
import { bearer, http } from "@surge/testkit/http";
import { createSale, order, soldInStore } from "@surge/testkit/sales";
import { claim, createCoupon, forgetKeyRecord, startApi, tally, useApi } from "../command-harness.js";

const { ctx, api } = useApi();
let limited: CommandApi;
let briefFailures: CommandApi;
let admin: string;
let dealId: string;
let eventId: string;
beforeAll(async () => {
  limited = await startApi(ctx, { RATE_LIMIT_PER_SECOND: "5", RATE_LIMIT_BURST: "10" });
  briefFailures = await startApi(ctx, { IDEMPOTENCY_4XX_TTL_S: "5" });
  admin = await ctx.token("admin1", "admin");
  const sale = await createSale(api.url, admin, { deals: [{ price: 1_000, stock: 1000, perUserLimit: 1000 }] });
  dealId = sale.deals[0]!.dealId;
  eventId = sale.eventId;
});
afterAll(async () => {
  await limited?.stop();
  await briefFailures?.stop();
});

const ordersInStore = async () => (await ctx.store.readByTag(`event:${eventId}`)).filter((e) => e.type === "OrderPlaced").length;

describe("Idempotency-Key", () => {
  it("the same key and body again returns the first response and places nothing", async () => {
    const token = await ctx.token("repeat");
    const before = await ordersInStore();
    const first = await order(api.url, token, [{ dealId, quantity: 1 }], {}, "key-1");
    const again = await order(api.url, token, [{ dealId, quantity: 1 }], {}, "key-1");
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.text).toBe(first.text);
    expect(again.headers["idempotency-replayed"]).toBe("true");
    expect(again.headers["x-position"]).toBe(first.headers["x-position"]);
    expect(first.headers["idempotency-replayed"]).toBeUndefined();
    expect(await ordersInStore()).toBe(before + 1);
  });

  it("20 concurrent repeats of one key place one order and all get the same body", async () => {
    const token = await ctx.token("concurrent");
    const before = await ordersInStore();
    const results = await Promise.all(Array.from({ length: 20 }, () => order(api.url, token, [{ dealId, quantity: 1 }], {}, "key-c")));
    expect(tally(results)).toEqual({ "201": 20 });
    expect(new Set(results.map((r) => r.text)).size).toBe(1);
    expect(results.filter((r) => r.headers["idempotency-replayed"] === "true")).toHaveLength(19);
    expect(await ordersInStore()).toBe(before + 1);
  });

  it("a business error is replayed too, without running again", async () => {
    const token = await ctx.token("err");
    const first = await order(api.url, token, [{ dealId, quantity: 5000 }], {}, "key-e");
    const again = await order(api.url, token, [{ dealId, quantity: 5000 }], {}, "key-e");
    expect(first.status).toBe(409);
    expect(again.text).toBe(first.text);
    expect(again.headers["idempotency-replayed"]).toBe("true");
  });

  it("the same key with another body is 422 and changes nothing", async () => {
    const token = await ctx.token("reuse");
    await order(api.url, token, [{ dealId, quantity: 1 }], {}, "key-r");
    const before = await ctx.store.headPosition();
    const other = await order(api.url, token, [{ dealId, quantity: 2 }], {}, "key-r");
    expect(other.status).toBe(422);
    expect(other.body.code).toBe("IDEMPOTENCY_KEY_REUSED");
    expect(await ctx.store.headPosition()).toBe(before);
  });

  it("keys are per user: another user's identical key is a new order", async () => {
    const before = await ordersInStore();
    await order(api.url, await ctx.token("p1"), [{ dealId, quantity: 1 }], {}, "shared-key");
    await order(api.url, await ctx.token("p2"), [{ dealId, quantity: 1 }], {}, "shared-key");
    expect(await ordersInStore()).toBe(before + 2);
  });

  it("POST /orders without a key, or with one over 128 chars, is 400", async () => {
    const token = await ctx.token("nokey");
    const missing = await http("POST", `${api.url}/orders`, { headers: bearer(token), body: { items: [{ dealId, quantity: 1 }] } });
    expect(missing.status).toBe(400);
    expect(missing.body.code).toBe("VALIDATION_FAILED");
    const long = await order(api.url, token, [{ dealId, quantity: 1 }], {}, "k".repeat(129));
    expect(long.status).toBe(400);
  });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How long a key's record lives once its answer is kept (written just after the response is sent). */
async function recordTtlMs(userId: string, key: string): Promise<number> {
  const record = idempotencyRecordKey(userId, key);
  for (let i = 0; i < 200 && !(await ctx.redis.hexists(record, "status")); i++) await sleep(10);
  expect(await ctx.redis.hexists(record, "status"), key).toBe(1);
  return ctx.redis.pttl(record);
}

describe("Idempotency-Key records in Redis", () => {
  it("a 4xx answer is kept 60 s (IDEMPOTENCY_4XX_TTL_S), a 2xx answer 24 h", async () => {
    const token = await ctx.token("ttl");
    expect((await order(api.url, token, [{ dealId, quantity: 5000 }], {}, "ttl-409")).status).toBe(409);
    expect((await order(api.url, token, [{ dealId, quantity: 0 }], {}, "ttl-400")).status).toBe(400);
    expect((await order(api.url, token, [{ dealId, quantity: 1 }], {}, "ttl-201")).status).toBe(201);
    for (const key of ["ttl-409", "ttl-400"]) {
      const ttl = await recordTtlMs("ttl", key);
      expect(ttl, key).toBeGreaterThan(0);
      expect(ttl, key).toBeLessThanOrEqual(60_000);
    }
    expect(await recordTtlMs("ttl", "ttl-201")).toBeGreaterThan(24 * 3600_000 - 60_000);
  });

  it("IDEMPOTENCY_4XX_TTL_S sets how long a 4xx answer is kept; within it a repeat is still replayed", async () => {
    const token = await ctx.token("ttl-brief");
    const first = await order(briefFailures.url, token, [{ dealId, quantity: 5000 }], {}, "brief-409");
    expect(first.status).toBe(409);
    const ttl = await recordTtlMs("ttl-brief", "brief-409");
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(5_000);
    const again = await order(briefFailures.url, token, [{ dealId, quantity: 5000 }], {}, "brief-409");
    expect(again.headers["idempotency-replayed"]).toBe("true");
    expect(again.text).toBe(first.text);
  });
});

const remaining = async () => Number(await ctx.redis.hget(saleKeys(eventId)[1], dealId));

describe("Idempotency-Key whose record Redis lost", () => {
  it("a repeat is answered from the store: same body, one order, stock taken once", async () => {
    const token = await ctx.token("lost");
    const before = await ordersInStore();
    const stockBefore = await remaining();
    const first = await order(api.url, token, [{ dealId, quantity: 2 }], {}, "key-lost");
    await forgetKeyRecord(ctx, "lost", "key-lost");
    const again = await order(api.url, token, [{ dealId, quantity: 2 }], {}, "key-lost");
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.text).toBe(first.text);
    expect(again.headers["idempotency-replayed"]).toBe("true");
    expect(again.headers["x-position"]).toBe(first.headers["x-position"]);
    expect(await ordersInStore()).toBe(before + 1);
    expect(await remaining()).toBe(stockBefore - 2);
  });

  it("a repeat with another body is still 422, from the request hash kept in the event", async () => {
    const token = await ctx.token("lost-reuse");
    expect((await order(api.url, token, [{ dealId, quantity: 1 }], {}, "key-lost-r")).status).toBe(201);
    await forgetKeyRecord(ctx, "lost-reuse", "key-lost-r");
    const before = await ctx.store.headPosition();
    const other = await order(api.url, token, [{ dealId, quantity: 3 }], {}, "key-lost-r");
    expect(other.status).toBe(422);
    expect(other.body.code).toBe("IDEMPOTENCY_KEY_REUSED");
    expect(await ctx.store.headPosition()).toBe(before);
  });

  it("20 concurrent repeats after the loss still place nothing new and all get the first body", async () => {
    const token = await ctx.token("lost-c");
    const first = await order(api.url, token, [{ dealId, quantity: 1 }], {}, "key-lost-c");
    await forgetKeyRecord(ctx, "lost-c", "key-lost-c");
    const before = await ordersInStore();
    const results = await Promise.all(Array.from({ length: 20 }, () => order(api.url, token, [{ dealId, quantity: 1 }], {}, "key-lost-c")));
    expect(tally(results)).toEqual({ "201": 20 });
    expect(new Set(results.map((r) => r.text))).toEqual(new Set([first.text]));
    expect(await ordersInStore()).toBe(before);
  });
});

/**
 * A command-api whose database user may not INSERT into `events` until `grant()`: its appends fail
 * in MariaDB itself (the privilege check), as when the store refuses writes, so POST /orders
 * answers a real 503. A table privilege granted later takes effect on the pool's next statement.
 */
describe("a retry after a 503", () => {
  let noInsert: CommandApi;
  let user: string;
  beforeAll(async () => {
    user = `surge_ni_${ctx.redisKeyPrefix.slice(1, -1)}`;
    const database = new URL(ctx.databaseUrl).pathname.slice(1);
    await sql`CREATE USER ${sql.lit(user)}@'%' IDENTIFIED BY 'no-insert-0123'`.execute(ctx.db);
    const tables = await sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = ${database}`.execute(ctx.db);
    for (const { name } of tables.rows) {
      const rights = name === "events" ? sql`SELECT` : sql`SELECT, INSERT, UPDATE, DELETE`;
      await sql`GRANT ${rights} ON ${sql.id(database, name)} TO ${sql.lit(user)}@'%'`.execute(ctx.db);
    }
    const url = new URL(ctx.databaseUrl);
    url.username = user;
    url.password = "no-insert-0123";
    noInsert = await startApi(ctx, { DATABASE_URL: url.toString() });
  });
  afterAll(async () => {
    await noInsert?.stop();
    await sql`DROP USER IF EXISTS ${sql.lit(user)}@'%'`.execute(ctx.db);
  });
  const grant = () => sql`GRANT INSERT ON ${sql.id(new URL(ctx.databaseUrl).pathname.slice(1), "events")} TO ${sql.lit(user)}@'%'`.execute(ctx.db);

  it("POST /orders answered 503 places the order when retried with the same key once the store writes again", async () => {
    const token = await ctx.token("after-503");
    const before = await ordersInStore();
    // The guard's units match the store's orders: the failed request took none.
    const unsold = async () => 1000 - ((await soldInStore(ctx, eventId))[dealId] ?? 0);
    const failed = await order(noInsert.url, token, [{ dealId, quantity: 2 }], {}, "key-503");
    expect(failed.status).toBe(503);
    expect(failed.body.code).toBe("UNAVAILABLE");
    expect(await ordersInStore()).toBe(before);
    const stockBefore = await unsold();
    expect(await remaining()).toBe(stockBefore);

    await grant();
    const retried = await order(noInsert.url, token, [{ dealId, quantity: 2 }], {}, "key-503");
    expect(retried.status).toBe(201);
    expect(retried.headers["idempotency-replayed"]).toBeUndefined();
    expect(await ordersInStore()).toBe(before + 1);
    expect(await remaining()).toBe(stockBefore - 2);
    // And from then on the key answers that order, on any instance.
    const again = await order(api.url, token, [{ dealId, quantity: 2 }], {}, "key-503");
    expect(again.status).toBe(201);
    expect(again.text).toBe(retried.text);
    expect(await ordersInStore()).toBe(before + 1);
  });
});

describe("rate limit", () => {
  it("a user over the burst gets 429 with Retry-After; other users are unaffected", async () => {
    const token = await ctx.token("flooder");
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: 30 }, () => order(limited.url, token, [{ dealId, quantity: 1 }])));
    const t = tally(results);
    // The burst, plus what 5 tokens a second refilled while the requests were in flight.
    const refilled = Math.ceil(((Date.now() - started) / 1000) * 5);
    expect(t["201"]).toBeGreaterThanOrEqual(10);
    expect(t["201"]).toBeLessThanOrEqual(10 + refilled);
    expect(t["429 RATE_LIMITED"]).toBe(30 - t["201"]!);
    const limitedOne = results.find((r) => r.status === 429)!;
    expect(Number(limitedOne.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    expect((await order(limited.url, await ctx.token("calm"), [{ dealId, quantity: 1 }])).status).toBe(201);
  });

  it("a claim spends its token in the guard's own Redis call: the same bucket as every other command", async () => {
    const { couponId } = await createCoupon(limited.url, admin, { quantity: 100, perUserLimit: 100 });
    const token = await ctx.token("claim-flooder");
    const started = Date.now();
    const claims = await Promise.all(Array.from({ length: 30 }, () => claim(limited.url, couponId, token)));
    const t = tally(claims);
    const refilled = Math.ceil(((Date.now() - started) / 1000) * 5);
    expect(t["201"]).toBeGreaterThanOrEqual(10);
    expect(t["201"]).toBeLessThanOrEqual(10 + refilled);
    expect(t["429 RATE_LIMITED"]).toBe(30 - t["201"]!);
    expect(Number(claims.find((r) => r.status === 429)!.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    // Limited claims took no unit: the store holds one CouponClaimed per 201.
    const stored = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM events WHERE type = 'CouponClaimed' AND stream_id = ${`coupon-${couponId}`}`.execute(
      ctx.db,
    );
    expect(Number(stored.rows[0]!.n)).toBe(t["201"]);
    // The bucket is the user's, not the route's: an order right after is limited too.
    expect((await order(limited.url, token, [{ dealId, quantity: 1 }], {}, "after-claims")).status).toBe(429);
  });

  it("claims of coupons that do not exist are limited too (each would read the store)", async () => {
    const token = await ctx.token("id-guesser");
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => claim(limited.url, `no-such-coupon-${i}`, token)));
    const t = tally(results);
    expect(t["404 NOT_FOUND"]).toBeGreaterThanOrEqual(10);
    expect(t["429 RATE_LIMITED"]).toBeGreaterThanOrEqual(1);
    expect(t["404 NOT_FOUND"]! + t["429 RATE_LIMITED"]!).toBe(30);
  });
});
