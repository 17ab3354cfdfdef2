import { setTimeout as delay } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import type { Redis } from "ioredis";
import { saleKeys } from "@surge/areas/sales/stock-guard";
import type { TestContext } from "@surge/testkit/context";
import type { CommandApi } from "@surge/command-api/start";
import { RESERVATION_TTL_MS, useRecoveryStack } from "../recovery-stack.js";
import { waitFor } from "@surge/testkit/wait";
import { tally } from "../command-harness.js";
import { createSale, order, soldInStore } from "@surge/testkit/sales";

let ctx: TestContext;
let api: CommandApi;
let sweepy: CommandApi;
let admin: string;
let flusher: Redis;
useRecoveryStack((stack) => ({ ctx, api, sweepy, admin, flusher } = stack));

describe("the stock guard is rebuilt from the store", () => {
  it.each([1, 2])("FLUSHALL three times during order rush %i: never more sold than stock", async (rush) => {
    const sale = await createSale(api.url, admin, {
      deals: [
        { price: 1_000, stock: 60, perUserLimit: 2 },
        { price: 500, stock: 40, perUserLimit: 2 },
      ],
    });
    const [d1, d2] = sale.deals.map((d) => d.dealId) as [string, string];
    const tokens = await Promise.all(Array.from({ length: 600 }, (_, i) => ctx.token(`rush${rush}-${i}`)));
    const chaos = (async () => {
      for (let i = 0; i < 3; i++) {
        await delay(30 + i * 50);
        await flusher.flushall();
      }
    })();
    const results = await Promise.all(
      tokens.map((t, i) =>
        order(
          api.url,
          t,
          i % 2
            ? [{ dealId: d1, quantity: 2 }]
            : [
                { dealId: d1, quantity: 1 },
                { dealId: d2, quantity: 1 },
              ],
        ),
      ),
    );
    await chaos;
    const t = tally(results);
    expect(Object.keys(t).filter((k) => !["201", "409 SOLD_OUT", "503 UNAVAILABLE"].includes(k))).toEqual([]);
    const sold = await soldInStore(ctx, sale.eventId);
    expect(sold[d1]).toBeLessThanOrEqual(60);
    expect(sold[d2] ?? 0).toBeLessThanOrEqual(40);
    // Every 201 is an order in the store and every order in the store got its 201.
    const placed = (await ctx.store.readByTag(`event:${sale.eventId}`)).filter((e) => e.type === "OrderPlaced");
    expect(placed).toHaveLength(t["201"]!);
    // The rebuilt guard agrees with the store: what is left is stock minus what was sold.
    expect(await api.stock.remaining(sale.eventId)).toEqual({ [d1]: 60 - sold[d1]!, [d2]: 40 - (sold[d2] ?? 0) });
  });

  it("returns stock taken by a process that died before appending to sale", async () => {
    const sale = await createSale(api.url, admin, { deals: [{ price: 1_000, stock: 2, perUserLimit: 2 }] });
    const dealId = sale.deals[0]!.dealId;
    const reservedAt = new Date();
    const orphan = await sweepy.stock.reserve(sale.eventId, "ghost", "01a1fcd2-0000-7000-8000-00000000dead", [{ dealId, quantity: 2 }], reservedAt);
    expect(orphan.code).toBe("OK");
    expect((await order(api.url, await ctx.token("alive1"), [{ dealId, quantity: 1 }])).body.code).toBe("SOLD_OUT");
    // A sweep once the reservation is past its deadline (1.5 s here) finds no order and returns the stock.
    await sweepy.stock.sweep(reservedAt.getTime() + RESERVATION_TTL_MS + 1);
    const results = await Promise.all([1, 2, 3].map(async (i) => order(api.url, await ctx.token(`alive-after${i}`), [{ dealId, quantity: 1 }])));
    expect(tally(results)).toEqual({ "201": 2, "409 SOLD_OUT": 1 });
    expect(await soldInStore(ctx, sale.eventId)).toEqual({ [dealId]: 2 });
    // Confirms go to Redis after the 201s (coalesced per flush): the pending set empties shortly after.
    await waitFor("the confirmed orders to leave the pending set", async () => (await flusher.zcard(pendingKey(sale.eventId))) === 0);
  });

  it("keeps stock whose order reached the store even if its confirmation was lost", async () => {
    const sale = await createSale(api.url, admin, { deals: [{ price: 1_000, stock: 1, perUserLimit: 1 }] });
    const dealId = sale.deals[0]!.dealId;
    const placed = await order(api.url, await ctx.token("keeper"), [{ dealId, quantity: 1 }]);
    expect(placed.status).toBe(201);
    // Its own confirmation lands after the 201; then it is lost: the order is pending again, already overdue.
    await waitFor("the order's own confirmation", async () => (await flusher.zcard(pendingKey(sale.eventId))) === 0);
    await flusher.zadd(pendingKey(sale.eventId), Date.now() - 1, placed.body.orderId);
    const swept = await sweepy.stock.sweep();
    expect(swept).toEqual({ confirmed: 1, released: 0 });
    expect(await flusher.zcard(pendingKey(sale.eventId))).toBe(0);
    expect(await api.stock.remaining(sale.eventId)).toEqual({ [dealId]: 0 });
    expect((await order(api.url, await ctx.token("latecomer"), [{ dealId, quantity: 1 }])).body.code).toBe("SOLD_OUT");
  });

  it("sweeps only what is pending: confirmed orders leave the sorted set the sweeper reads", async () => {
    const sale = await createSale(api.url, admin, { deals: [{ price: 1_000, stock: 50, perUserLimit: 1 }] });
    const dealId = sale.deals[0]!.dealId;
    const results = await Promise.all(Array.from({ length: 50 }, async (_, i) => order(api.url, await ctx.token(`pend${i}`), [{ dealId, quantity: 1 }])));
    expect(tally(results)).toEqual({ "201": 50 });
    // Confirms are sent without holding the response: wait for the last one.
    await waitFor("every reservation confirmed", async () => (await flusher.zcard(pendingKey(sale.eventId))) === 0);
    expect(await flusher.hlen(ctx.redisKeyPrefix + saleKeys(sale.eventId)[4])).toBe(50);
  });
});

const pendingKey = (eventId: string) => ctx.redisKeyPrefix + saleKeys(eventId)[6];
