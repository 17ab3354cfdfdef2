import { sql } from "kysely";
import { ProductLiked, ProductUnliked } from "@surge/areas/engagement/events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { after, http, problemCode, type HttpResponse } from "@surge/testkit/http";
import { rawEvent } from "@surge/testkit/raw-event";
import { createProduct, createSale, freshKey, placeOrder } from "@surge/testkit/sales";
import { businessDate, addDays } from "@surge/areas/rankings/calendar";
import { verifyRollupsJob } from "@surge/areas/rankings/jobs/verify-rollups";
import { readEnv } from "@surge/query-api/env";
import { startQueryApi, type QueryApi } from "@surge/query-api/start";
import { useApps } from "../apps.js";
import { like, view, viewsAppended } from "../catalog-harness.js";

const { ctx, apps } = useApps({ VIEW_FLUSH_MS: "50" });
let viewsOnly: QueryApi;
let admin: string;
beforeAll(async () => {
  admin = await ctx.token("admin1", "admin");
  // The same read models ranked with other weights: views alone.
  viewsOnly = await startQueryApi(
    readEnv({ ...ctx.appEnv, QUERY_API_PORT: "0", RANKING_WEIGHT_VIEW: "1", RANKING_WEIGHT_LIKE: "0", RANKING_WEIGHT_ORDER: "0" }),
  );
});
afterAll(async () => {
  await viewsOnly?.stop();
});

const TZ = "Asia/Seoul";
const today = businessDate(new Date(), TZ);
type Item = { rank: number; productId: string; name: string; quantity: number; revenue: number; orders: number; views: number; likes: number; score: number };

async function ranking(base: string, qs: string, headers: Record<string, string> = {}) {
  const res = await http("GET", `${base}/rankings/products?${qs}`, { headers });
  expect(res.status, res.text).toBe(200);
  return res.body as { period: string; from: string; to: string; by: string; items: Item[] };
}

const users = (prefix: string, n: number) => Promise.all(Array.from({ length: n }, (_, i) => ctx.token(`${prefix}${i}`)));

describe("GET /rankings/products?by=SCORE", () => {
  const ids: Record<string, string> = {};
  let seen: Record<string, string>;

  it("orders products by views × 0.1 + likes × 0.2 + units × 0.6, ties by productId", async () => {
    const sale = await createSale(apps.command, admin, { deals: Array.from({ length: 5 }, () => ({ price: 1_000, stock: 100 })) });
    const deals = sale.deals;
    ["p1", "p2", "p3", "p4", "p5"].forEach((k, i) => (ids[k] = deals[i]!.productId));
    const replies: HttpResponse[] = [sale.reply];

    // p3: three likes (0.6). p4: two likes (0.4).
    for (const t of await users("l3-", 3)) replies.push(await like(apps.command, t, ids.p3!));
    for (const t of await users("l4-", 2)) replies.push(await like(apps.command, t, ids.p4!));
    // p2: six users view it (0.6), one of them twice (counted once). p4 and p5: one view each (0.1).
    const viewers = await users("v-", 6);
    for (const t of viewers) expect((await view(apps.command, t, ids.p2!)).body.counted).toBe(true);
    expect((await view(apps.command, viewers[0]!, ids.p2!)).body.counted).toBe(false);
    await view(apps.command, viewers[0]!, ids.p4!);
    await view(apps.command, viewers[0]!, ids.p5!);
    // p1 and p4: one unit each, paid (0.6 each).
    const buyer = await ctx.token("buyer");
    const placed = await placeOrder(apps.command, buyer, [
      { dealId: deals[0]!.dealId, quantity: 1 },
      { dealId: deals[3]!.dealId, quantity: 1 },
    ]);
    expect(
      (await http("POST", `${apps.command}/wallet/charges`, { token: buyer, headers: { "idempotency-key": freshKey() }, body: { amount: 10_000 } })).status,
    ).toBe(200);
    const paid = await http("POST", `${apps.command}/orders/${placed.body.orderId}/payments`, {
      token: buyer,
      headers: { "idempotency-key": freshKey() },
      body: { method: "POINTS" },
    });
    expect(paid.status).toBe(200);
    replies.push(paid);

    await viewsAppended(ctx, ids.p2!, 6);
    await viewsAppended(ctx, ids.p5!, 1);
    seen = {
      "X-Min-Position": String(Math.max(Number(after(...replies)["X-Min-Position"]), Number((await viewsAppended(ctx, ids.p4!, 1))["X-Min-Position"]))),
    };

    const body = await ranking(apps.query, `period=DAILY&date=${today}&by=SCORE&limit=100`, seen);
    expect({ ...body, items: undefined }).toEqual({ period: "DAILY", from: today, to: today, by: "SCORE", items: undefined });
    const item = (k: string, rest: Partial<Item>) => ({
      productId: ids[k],
      name: `Product ${k.slice(1)}`,
      quantity: 0,
      revenue: 0,
      orders: 0,
      views: 0,
      likes: 0,
      ...rest,
    });
    const tied = [
      item("p1", { quantity: 1, revenue: 1_000, orders: 1, score: 0.6 }),
      item("p2", { views: 6, score: 0.6 }),
      item("p3", { likes: 3, score: 0.6 }),
    ].sort((a, b) => (a.productId! < b.productId! ? -1 : 1));
    const expected = [
      item("p4", { quantity: 1, revenue: 1_000, orders: 1, views: 1, likes: 2, score: 1.1 }),
      ...tied,
      item("p5", { views: 1, score: 0.1 }),
    ].map((x, i) => ({ rank: i + 1, ...x }));
    expect(body.items).toEqual(expected);
    // The week and month hold the same (everything happened today).
    expect((await ranking(apps.query, `period=WEEKLY&date=${today}&by=SCORE`, seen)).items).toEqual(expected);
    expect((await ranking(apps.query, `period=MONTHLY&date=${today}&by=SCORE&limit=2`, seen)).items).toEqual(expected.slice(0, 2));
    // By quantity the same rows show, with their views, likes and score; products without sales are left out.
    expect((await ranking(apps.query, `period=DAILY&date=${today}&by=QUANTITY`, seen)).items.map((i) => [i.productId, i.score])).toEqual(
      [
        [ids.p1, 0.6],
        [ids.p4, 1.1],
      ].sort((a, b) => (a[0]! < b[0]! ? -1 : 1)),
    );
  });

  it("weighs by RANKING_WEIGHT_VIEW, _LIKE and _ORDER; a zero score is left out", async () => {
    const body = await ranking(viewsOnly.url, `period=DAILY&date=${today}&by=SCORE&limit=100`, seen);
    const byViews = [
      [ids.p2, 6],
      [ids.p4, 1],
      [ids.p5, 1],
    ];
    expect(body.items.map((i) => [i.productId, i.score])).toEqual(byViews.slice(0, 1).concat(byViews.slice(1).sort((a, b) => (a[0]! < b[0]! ? -1 : 1))));
    expect(body.items.map((i) => i.rank)).toEqual([1, 2, 3]);
  });

  it("dates likes by when they happened: a like withdrawn the next day leaves that day and takes one off the next", async () => {
    const productId = await createProduct(apps.command, admin, "Fickle");
    const yesterday = addDays(today, -1);
    const noon = (date: string) => new Date(`${date}T12:00:00.000+09:00`).toISOString();
    // A clock the apps cannot be given: the like and its withdrawal appended as the like command would have, a day apart.
    const appended = await ctx.store.append(`like-${productId}:fickle-user`, "no_stream", [
      rawEvent(
        ProductLiked,
        { productId, userId: "fickle-user", likedAt: noon(yesterday) },
        { at: noon(yesterday), correlationId: "test", userId: "fickle-user", tag: `likes:${productId}` },
      ),
      rawEvent(
        ProductUnliked,
        { productId, userId: "fickle-user", unlikedAt: noon(today) },
        { at: noon(today), correlationId: "test", userId: "fickle-user", tag: `likes:${productId}` },
      ),
    ]);
    const headers = { "X-Min-Position": String(appended.lastPosition) };
    const before = await ranking(apps.query, `period=DAILY&date=${yesterday}&by=SCORE`, headers);
    expect(before.items.find((i) => i.productId === productId)).toMatchObject({ likes: 1, score: 0.2 });
    const rows = await ctx.db
      .selectFrom("product_metrics_daily")
      .select(["period_start", "likes"])
      .where("product_id", "=", productId)
      .orderBy("period_start")
      .execute();
    expect(rows.map((r) => [r.period_start.toISOString().slice(0, 10), Number(r.likes)])).toEqual([
      [yesterday, 1],
      [today, -1],
    ]);
    expect((await ranking(apps.query, `period=DAILY&date=${today}&by=SCORE`, headers)).items.map((i) => i.productId)).not.toContain(productId);
    const product = await http("GET", `${apps.query}/products/${productId}`, { headers });
    expect(product.body.likes).toBe(0);
  });

  it("the nightly roll-up verification covers views and likes", async () => {
    const context = { db: ctx.db, date: today, all: false, checkOnly: true, progress: () => undefined };
    expect((await verifyRollupsJob.run(context)).counts.mismatches).toBe(0);
    await sql`UPDATE product_metrics_weekly SET views = views + 5, likes = likes - 1 WHERE product_id = ${ids.p2}`.execute(ctx.db);
    const check = await verifyRollupsJob.run(context);
    expect(check.counts).toMatchObject({ mismatches: 1, repaired: 0 });
    expect(check.details.join("\n")).toMatch(
      new RegExp(
        `WEEKLY \\S+ ${ids.p2}: daily sum orders 0, quantity 0, revenue 0, views 6, likes 0; found orders 0, quantity 0, revenue 0, views 11, likes -1`,
      ),
    );
    expect((await verifyRollupsJob.run({ ...context, checkOnly: false })).counts).toMatchObject({ mismatches: 1, repaired: 1 });
    const weekly = await ctx.db.selectFrom("product_metrics_weekly").select(["views", "likes"]).where("product_id", "=", ids.p2!).executeTakeFirstOrThrow();
    expect([Number(weekly.views), Number(weekly.likes)]).toEqual([6, 0]);
    expect((await verifyRollupsJob.run(context)).counts.mismatches).toBe(0);
  });

  it("refuses an unknown order", async () => {
    const res = await http("GET", `${apps.query}/rankings/products?by=LIKES`);
    expect([res.status, problemCode(res)]).toEqual([400, "VALIDATION_FAILED"]);
  });
});

describe("RANKING_WEIGHT_* configuration", () => {
  it("refuses a weight that is not a non-negative decimal", () => {
    for (const bad of ["-1", "0.12345", "abc", "1e3"]) expect(() => readEnv({ ...ctx.appEnv, RANKING_WEIGHT_LIKE: bad })).toThrow(/RANKING_WEIGHT_LIKE/);
  });
});
