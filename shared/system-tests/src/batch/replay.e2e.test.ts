import { setTimeout as delay } from "node:timers/promises";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readEnv as projectorEnv } from "@surge/projector/env";
import { startProjector, type Projector } from "@surge/projector/start";
import { couponStream } from "@surge/areas/coupons/coupon-events";
import { readCheckpoint } from "@surge/platform/db/checkpoints";
import { splitDatabaseUrl } from "@surge/platform/db/database";
import { bearer, http } from "@surge/testkit/http";
import { runCli } from "@surge/testkit/child-app";
import { createTestContext, type TestContext } from "@surge/testkit/context";
import type { CommandApi } from "@surge/command-api/start";
import { cancel, createSale, freshKey, order, soldInStore } from "@surge/testkit/sales";
import { claim, createCoupon, startApi } from "../command-harness.js";
import { waitFor } from "@surge/testkit/wait";

let ctx: TestContext;
let api: CommandApi;
let projector: Projector;
let live: string;
let couponA: string;
/** X-Position of the third successful claim of coupon A (for --as-of). */
let thirdClaimAt: number;
let sale: Awaited<ReturnType<typeof createSale>>;
let admin: string;

/** The real CLI, as `npm run replay` runs it, against this file's database. */
const replay = (...args: string[]) => runCli("batch/src/replay/cli.ts", args, ctx.appEnv);

const caughtUp = () => waitFor("the projector to catch up", async () => (await readCheckpoint(ctx.db)) >= (await ctx.store.headPosition()));
const position = (res: { headers: Record<string, unknown> }) => Number(res.headers["x-position"]);
const claimedIn = async (schema: string, couponId: string) => {
  const { rows } = await sql<{ claimed: number }>`SELECT claimed FROM ${sql.id(schema, "coupon_view")} WHERE coupon_id = ${couponId}`.execute(ctx.db);
  return Number(rows[0]?.claimed);
};

/** A realistic mix through the real command-api: coupons, claims, a sale, orders with coupons, a cancel, a wallet payment. */
async function seed() {
  admin = await ctx.token("admin1", "admin");
  couponA = (await createCoupon(api.url, admin, { quantity: 5 })).couponId;
  let ok = 0;
  for (let i = 1; i <= 7; i++) {
    const res = await claim(api.url, couponA, await ctx.token(`a${i}`));
    if (res.status === 201 && ++ok === 3) thirdClaimAt = position(res);
  }
  expect(ok).toBe(5);

  const couponB = (await createCoupon(api.url, admin, { discount: { type: "PERCENT", percent: 10 }, quantity: 10 })).couponId;
  sale = await createSale(api.url, admin, {
    deals: [
      { price: 10_000, stock: 1_000, perUserLimit: 5 },
      { price: 5_000, stock: 10 },
    ],
  });
  const [d0, d1] = sale.deals.map((d) => d.dealId) as [string, string];
  const orders: Record<string, string> = {};
  for (const [user, items, useCoupon] of [
    ["b1", [{ dealId: d0, quantity: 2 }], true],
    ["b2", [{ dealId: d1, quantity: 1 }], false],
    [
      "b3",
      [
        { dealId: d0, quantity: 1 },
        { dealId: d1, quantity: 2 },
      ],
      true,
    ],
  ] as const) {
    const token = await ctx.token(user);
    const extra: Record<string, unknown> = {};
    if (useCoupon) extra.couponClaimId = (await claim(api.url, couponB, token)).body.claimId;
    const res = await order(api.url, token, [...items], extra);
    expect(res.status).toBe(201);
    orders[user] = res.body.orderId;
  }
  expect((await cancel(api.url, await ctx.token("b2"), orders.b2!)).status).toBe(200);
  const b1 = await ctx.token("b1");
  expect(
    (await http("POST", `${api.url}/wallet/charges`, { headers: { ...bearer(b1), "idempotency-key": freshKey() }, body: { amount: 50_000 } })).status,
  ).toBe(200);
  const paid = await http("POST", `${api.url}/orders/${orders.b1}/payments`, {
    headers: { ...bearer(b1), "idempotency-key": freshKey() },
    body: { method: "POINTS" },
  });
  expect(paid.status).toBe(200);
  await engage(d0, d1);
  await caughtUp();
}

/** Likes (one withdrawn), views, carts and an order from a cart: the read models of the catalogue, carts and scores. */
async function engage(d0: string, d1: string) {
  const [p0, p1] = (sale.deals as Array<{ productId?: string }>).map((d) => d.productId) as [string, string];
  const send = async (method: string, path: string, token: string, body?: object, headers: Record<string, string> = {}) => {
    const res = await http(method, `${api.url}${path}`, { headers: { ...bearer(token), ...headers }, ...(body ? { body } : {}) });
    expect(res.status, `${method} ${path}: ${res.text}`).toBeLessThan(300);
    return res;
  };
  for (const user of ["e1", "e2", "e3"]) await send("PUT", `/products/${p0}/like`, await ctx.token(user));
  await send("PUT", `/products/${p1}/like`, await ctx.token("e1"));
  await send("DELETE", `/products/${p0}/like`, await ctx.token("e2"));
  for (const user of ["e1", "e2", "e3", "e4"]) await send("POST", `/products/${p0}/views`, await ctx.token(user));
  await send("POST", `/products/${p1}/views`, await ctx.token("e1"));
  const shopper = await ctx.token("e1");
  await send("PUT", `/cart/items/${d0}`, shopper, { quantity: 2 });
  await send("PUT", `/cart/items/${d1}`, shopper, { quantity: 1 });
  await send("PUT", `/cart/items/${d0}`, shopper, { quantity: 1 });
  await send("POST", "/orders", shopper, { fromCart: true }, { "idempotency-key": freshKey() });
  const browser = await ctx.token("e2");
  await send("PUT", `/cart/items/${d1}`, browser, { quantity: 3 });
  await send("PUT", `/cart/items/${d0}`, browser, { quantity: 1 });
  await send("DELETE", `/cart/items/${d1}`, browser);
  const viewed = async () => (await ctx.store.readStream(`views-${p0}`)).length > 0 && (await ctx.store.readStream(`views-${p1}`)).length > 0;
  await waitFor("the views appended", viewed);
}

beforeAll(async () => {
  ctx = await createTestContext();
  live = splitDatabaseUrl(ctx.databaseUrl).database;
  api = await startApi(ctx, { VIEW_FLUSH_MS: "50" });
  projector = await startProjector(projectorEnv({ ...ctx.appEnv, PROJECTOR_PORT: "0" }));
  await seed();
});
afterAll(async () => {
  await projector?.stop();
  await api?.stop();
  if (ctx) {
    const { rows } = await sql<{ s: string }>`SELECT SCHEMA_NAME AS s FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ${`${live}\\_%`}`.execute(ctx.db);
    for (const { s } of rows) await sql`DROP DATABASE ${sql.id(s)}`.execute(ctx.db);
    await ctx.close();
  }
});

describe("npm run replay", () => {
  it("rebuilds the whole store into the shadow and finds it identical to the live read models", async () => {
    const res = await replay();
    expect(res.err).not.toContain("failed");
    expect(res.out).toMatch(/OK: \d+ read-model tables identical/);
    expect(res.code).toBe(0);
    for (const table of ["coupon_view", "coupon_claims", "orders", "sale_deals", "event_handled", "projection_checkpoints"])
      expect(res.out).toMatch(new RegExp(`ok\\s+${table}: `));
    // The read models of issue 14, with rows in them.
    for (const table of ["products", "carts", "cart_lines", "product_metrics_daily", "product_metrics_weekly", "product_metrics_monthly"])
      expect(res.out).toMatch(new RegExp(`ok\\s+${table}: live [1-9]`));
    expect(await claimedIn(`${live}_shadow`, couponA)).toBe(5);
  });

  it("reports a corrupted read-model row with its table, key and column (exit 1)", async () => {
    await sql`UPDATE coupon_view SET claimed = claimed + 1 WHERE coupon_id = ${couponA}`.execute(ctx.db);
    const res = await replay();
    expect(res.code).toBe(1);
    expect(res.out).toContain(`changed  coupon_id=${couponA}: claimed live=6 shadow=5`);
    expect(res.out).toContain("DIFFERENCES: 1 in 1 table(s): coupon_view");
  });

  it("--as-of <position> rebuilds the state as it was then, left in the shadow for inspection", async () => {
    const res = await replay("--as-of", String(thirdClaimAt));
    expect(res.code).toBe(1); // the live tables are later than that
    expect(res.out).toContain(`with ${live}_shadow at position ${thirdClaimAt}`);
    expect(res.out).toContain(`stay in ${live}_shadow`);
    const claimsThen = (await ctx.store.readStream(couponStream(couponA), { toPosition: thirdClaimAt })).filter((e) => e.type === "CouponClaimed");
    expect(claimsThen).toHaveLength(3);
    expect(await claimedIn(`${live}_shadow`, couponA)).toBe(3);
  });

  it("--as-of <instant> stops at the last event that occurred by then; --as-of with --swap is refused", async () => {
    const [third] = await ctx.store.readAll(thirdClaimAt - 1, 1);
    const res = await replay(`--as-of=${third!.occurredAt.toISOString()}`);
    const reached = Number(/with \S+ at position (\d+)/.exec(res.out)?.[1]);
    expect(reached).toBeGreaterThanOrEqual(thirdClaimAt);
    const { rows } = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM events WHERE position > ${reached} AND occurred_at <= ${third!.occurredAt}`.execute(
      ctx.db,
    );
    expect(Number(rows[0]!.n)).toBe(0);

    const refused = await replay("--as-of", "3", "--swap");
    expect(refused.code).toBe(2);
    expect(refused.err).toContain("cannot be combined with --swap");
  });

  it("--swap replaces the live read models while the projector runs: corruption gone, new events projected exactly once", async () => {
    const d0 = sale.deals[0]!.dealId;
    // Orders keep arriving until the CLI has exited: none may be lost or applied twice across the swap.
    let placing = true;
    let lastPlaced = 0;
    const during = (async () => {
      for (let n = 1; placing && n <= 500; n++) {
        const res = await order(api.url, await ctx.token(`s${n}`), [{ dealId: d0, quantity: 1 }]);
        expect(res.status).toBe(201);
        lastPlaced = position(res);
        await delay(5);
      }
    })();
    const res = await replay("--swap");
    placing = false;
    await during;
    expect(res.err).not.toContain("failed");
    expect(res.code).toBe(0);
    const swappedAt = Number(/SWAPPED at position (\d+): .*coupon_view/.exec(res.out)?.[1]);
    expect(lastPlaced).toBeGreaterThan(swappedAt); // the projector went on from the swapped-in tables
    // Compared in one snapshot while orders streamed in: only the corruption shows.
    expect(res.out).toContain("DIFFERENCES: 1 in 1 table(s): coupon_view");
    expect(res.out).toMatch(/SWAPPED .*event_handled/);
    const replaced = /the replaced tables are in (\S+);/.exec(res.out)?.[1];
    expect(replaced).toMatch(new RegExp(`^${live}_replaced_\\d{8}T\\d{6}$`));
    expect(await claimedIn(replaced!, couponA)).toBe(6); // the corrupted table, kept for inspection
    expect(await claimedIn(live, couponA)).toBe(5);

    const one = await order(api.url, await ctx.token("after-swap"), [{ dealId: d0, quantity: 1 }]);
    expect(one.status).toBe(201);
    await waitFor("the new order projected", async () => (await readCheckpoint(ctx.db)) >= position(one));
    await caughtUp();
    const rows = await ctx.db.selectFrom("orders").select("order_id").where("order_id", "=", one.body.orderId).execute();
    expect(rows).toHaveLength(1);
    const sold = await ctx.db.selectFrom("sale_deals").select("sold").where("deal_id", "=", d0).executeTakeFirstOrThrow();
    expect(Number(sold.sold)).toBe((await soldInStore(ctx, sale.eventId))[d0]);

    // The whole live state, new events included, is again exactly what the log says.
    const again = await replay();
    expect(again.out).toMatch(/OK: \d+ read-model tables identical/);
    expect(again.code).toBe(0);
  });
});
