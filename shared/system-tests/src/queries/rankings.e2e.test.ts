import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyBatch } from "@surge/platform/projection/apply";
import { handlers } from "@surge/areas/projections";
import { readEnv as projectorEnv } from "@surge/projector/env";
import { startProjector, type Projector } from "@surge/projector/start";
import { newId } from "@surge/platform/ids";
import {
  appendPaidCancel,
  appendPaidOrder,
  rankRecount,
  recountSeoul,
  type PaidOrder,
  type Recount,
  type Tally,
  type TestProduct,
} from "@surge/testkit/paid-orders";
import { createTestContext, type TestContext } from "@surge/testkit/context";
import { readEnv } from "@surge/query-api/env";
import { startQueryApi, type QueryApi } from "@surge/query-api/start";
import { http, problemCode } from "@surge/testkit/http";

let ctx: TestContext;
let projector: Projector;
let query: QueryApi;
beforeAll(async () => {
  ctx = await createTestContext();
  projector = await startProjector(projectorEnv({ ...ctx.appEnv, PROJECTOR_PORT: "0" }));
  query = await startQueryApi(readEnv({ ...ctx.appEnv, QUERY_API_PORT: "0" }));
});
afterAll(async () => {
  await query?.stop();
  await projector?.stop();
  await ctx?.close();
});

const products: TestProduct[] = Array.from({ length: 8 }, (_, i) => ({
  productId: newId(),
  name: `Product ${i + 1}`,
  unitPrice: [9_900, 15_000, 19_900, 33_000, 39_000, 49_900, 7_700, 7_700][i]!,
}));
const nameOf = new Map(products.map((p) => [p.productId, p.name]));
const kst = (local: string) => new Date(`${local}+09:00`).toISOString();

/** Seeded, so a failure replays the same week. */
function rng(seed: number) {
  return (n: number) => (seed = (seed * 48_271) % 2_147_483_647) % n;
}

const tables = { DAILY: "product_metrics_daily", WEEKLY: "product_metrics_weekly", MONTHLY: "product_metrics_monthly" } as const;

/** The metrics tables as a Recount; zero rows (a product whose sales were all taken back) are left out, negatives fail. */
async function readRows(): Promise<Recount> {
  const out: Recount = { DAILY: new Map(), WEEKLY: new Map(), MONTHLY: new Map() };
  for (const period of ["DAILY", "WEEKLY", "MONTHLY"] as const) {
    for (const r of await ctx.db.selectFrom(tables[period]).selectAll().execute()) {
      const t: Tally = { orders: Number(r.orders), quantity: Number(r.quantity), revenue: Number(r.revenue) };
      expect(Math.min(t.orders, t.quantity, t.revenue), `${period} ${r.product_id}`).toBeGreaterThanOrEqual(0);
      if (t.orders === 0 && t.quantity === 0 && t.revenue === 0) continue;
      const start = r.period_start.toISOString().slice(0, 10);
      const m = out[period].get(start) ?? new Map<string, Tally>();
      out[period].set(start, m.set(r.product_id, t));
    }
  }
  return out;
}

const plain = (r: Recount) =>
  Object.fromEntries(
    Object.entries(r).map(([p, starts]) => [p, Object.fromEntries([...starts].filter(([, m]) => m.size > 0).map(([s, m]) => [s, Object.fromEntries(m)]))]),
  );
const caughtUp = async () => ({ "X-Min-Position": String(await ctx.store.headPosition()) });

async function ranking(qs: string, headers: Record<string, string> = {}) {
  const res = await http("GET", `${query.url}/rankings/products?${qs}`, { headers });
  expect(res.status, `${qs}: ${JSON.stringify(res.body)}`).toBe(200);
  expect(res.headers["x-projection-position"]).toMatch(/^\d+$/);
  return res.body as { period: string; from: string; to: string; by: string; items: Array<Record<string, unknown>> };
}

// No views or likes here: the score is units × the default order weight 0.6 (quantity × 6 / 10 is the double of that decimal).
const expectedItems = (r: Recount, period: keyof Recount, start: string, by: "QUANTITY" | "REVENUE", limit: number) =>
  rankRecount(r[period].get(start), by, limit).map((x) => ({
    rank: x.rank,
    productId: x.productId,
    name: nameOf.get(x.productId),
    quantity: x.quantity,
    revenue: x.revenue,
    orders: x.orders,
    views: 0,
    likes: 0,
    score: (x.quantity * 6) / 10,
  }));

describe("product metrics and GET /rankings/products", () => {
  const ledger: PaidOrder[] = [];
  let lateSunday: PaidOrder;

  it("a week across midnight, an ISO week and a month boundary in Asia/Seoul equals a brute-force recount", async () => {
    const r = rng(20261130);
    const pick = () => products[r(6)]!; // products 7 and 8 get only the planned tie below
    const days = ["2026-11-25", "2026-11-26", "2026-11-27", "2026-11-28", "2026-11-29", "2026-11-30", "2026-12-01"];
    for (const day of days) {
      for (let k = 0; k < 8; k++) {
        const lines: Array<[TestProduct, number]> = Array.from({ length: 1 + r(3) }, () => [pick(), 1 + r(4)]);
        const at = kst(
          `${day}T${String(r(24)).padStart(2, "0")}:${String(r(60)).padStart(2, "0")}:${String(r(60)).padStart(2, "0")}.${String(r(1000)).padStart(3, "0")}`,
        );
        ledger.push(await appendPaidOrder(ctx.store, { lines, discountAmount: [0, 0, 1_000, 3_333, 5_000][r(5)]!, paidAt: at }));
      }
    }
    // The boundaries to the millisecond: Sunday → Monday (new ISO week), November → December.
    const sundayLast = {
      lines: [
        [products[0]!, 3],
        [products[1]!, 1],
      ] as Array<[TestProduct, number]>,
      discountAmount: 1_001,
      paidAt: kst("2026-11-29T23:59:59.900"),
    };
    ledger.push(await appendPaidOrder(ctx.store, { lines: [[products[0]!, 2]], paidAt: kst("2026-11-30T00:00:00.000") }));
    ledger.push(
      await appendPaidOrder(ctx.store, {
        lines: [
          [products[2]!, 1],
          [products[0]!, 1],
        ],
        discountAmount: 777,
        paidAt: kst("2026-11-30T23:59:59.999"),
      }),
    );
    ledger.push(await appendPaidOrder(ctx.store, { lines: [[products[2]!, 5]], paidAt: kst("2026-12-01T00:00:00.100") }));
    // A planned tie: products 7 and 8 sell the same on Nov 26; the lower id ranks first.
    ledger.push(await appendPaidOrder(ctx.store, { lines: [[products[6]!, 2]], paidAt: kst("2026-11-26T10:00:00.000") }));
    ledger.push(await appendPaidOrder(ctx.store, { lines: [[products[7]!, 2]], paidAt: kst("2026-11-26T11:00:00.000") }));
    // Paid at 23:59:59.900 on Sunday, but the callback lands (and is projected) after midnight,
    // after Tuesday's orders: it still counts on Sunday, in the week of Nov 23.
    lateSunday = await appendPaidOrder(ctx.store, { ...sundayLast, recordedAt: kst("2026-11-30T00:00:00.300") });
    ledger.push(lateSunday);

    const expected = recountSeoul(ledger);
    await ranking("period=DAILY&date=2026-11-29", await caughtUp());
    expect(plain(await readRows())).toEqual(plain(expected));

    const sunday = expected.DAILY.get("2026-11-29")!;
    const rows = await readRows();
    expect(rows.DAILY.get("2026-11-29")!.get(products[0]!.productId)).toEqual(sunday.get(products[0]!.productId));
    expect(rows.WEEKLY.get("2026-11-23")!.get(products[0]!.productId)!.orders).toBeGreaterThan(0);
    expect(rows.MONTHLY.has("2026-12-01")).toBe(true);

    const periods: Array<[keyof Recount, string, string, string]> = [
      ...days.map((d) => ["DAILY", d, d, d] as [keyof Recount, string, string, string]),
      ["WEEKLY", "2026-11-26", "2026-11-23", "2026-11-29"],
      ["WEEKLY", "2026-11-29", "2026-11-23", "2026-11-29"],
      ["WEEKLY", "2026-11-30", "2026-11-30", "2026-12-06"],
      ["WEEKLY", "2026-12-01", "2026-11-30", "2026-12-06"],
      ["MONTHLY", "2026-11-30", "2026-11-01", "2026-11-30"],
      ["MONTHLY", "2026-12-01", "2026-12-01", "2026-12-31"],
    ];
    for (const [period, date, from, to] of periods) {
      for (const by of ["QUANTITY", "REVENUE"] as const) {
        for (const limit of [3, 100]) {
          const body = await ranking(`period=${period}&date=${date}&by=${by}&limit=${limit}`);
          expect({ ...body, items: undefined }).toEqual({ period, from, to, by, items: undefined });
          expect(body.items, `${period} ${date} ${by} ${limit}`).toEqual(expectedItems(expected, period, from, by, limit));
        }
      }
    }
    const tie = (await ranking("period=DAILY&date=2026-11-26&by=QUANTITY&limit=100")).items.filter(
      (i) => i.productId === products[6]!.productId || i.productId === products[7]!.productId,
    );
    expect(tie.map((i) => i.productId)).toEqual([products[6]!.productId, products[7]!.productId].sort());
    expect(tie[1]!.rank).toBe(Number(tie[0]!.rank) + 1);
  });

  it("counts a redelivered OrderPaid once", async () => {
    const before = plain(await readRows());
    const paid = (await ctx.store.readStream(`order-${lateSunday.order.orderId}`)).filter((e) => e.type === "OrderPaid");
    const again = await applyBatch(ctx.db, handlers, [...paid, ...paid]);
    expect(again.applied).toEqual([]);
    expect(plain(await readRows())).toEqual(before);
  });

  it("takes a cancelled/refunded paid order out of the period it was paid in, and the cache follows", async () => {
    // Paid on the last millisecond but one of November, cancelled and refunded in December.
    const order = await appendPaidOrder(ctx.store, { lines: [[products[5]!, 4]], paidAt: kst("2026-11-30T23:59:59.950") });
    ledger.push(order);
    const withIt = await ranking("period=MONTHLY&date=2026-11-15&by=REVENUE&limit=100", await caughtUp());
    expect(withIt.items).toEqual(expectedItems(recountSeoul(ledger), "MONTHLY", "2026-11-01", "REVENUE", 100));

    await appendPaidCancel(ctx.store, order, kst("2026-12-01T00:05:00.000"));
    await appendPaidCancel(ctx.store, ledger[3]!, kst("2026-12-01T09:00:00.000")); // paid on Nov 25
    const expected = recountSeoul(ledger);
    const headers = await caughtUp();
    // Same query as above: a new checkpoint is a new cache key, so the cancel shows at once.
    expect((await ranking("period=MONTHLY&date=2026-11-15&by=REVENUE&limit=100", headers)).items).toEqual(
      expectedItems(expected, "MONTHLY", "2026-11-01", "REVENUE", 100),
    );
    expect(plain(await readRows())).toEqual(plain(expected));
    // December is untouched by the cancels made in December.
    expect((await ranking("period=MONTHLY&date=2026-12-01&by=QUANTITY&limit=100")).items).toEqual(
      expectedItems(expected, "MONTHLY", "2026-12-01", "QUANTITY", 100),
    );

    // A redelivered cancel and refund subtract nothing more.
    const ends = (await ctx.store.readStream(`order-${order.order.orderId}`)).filter((e) => e.type === "OrderCancelled" || e.type === "PaymentRefunded");
    expect((await applyBatch(ctx.db, handlers, ends)).applied).toEqual([]);
    expect(plain(await readRows())).toEqual(plain(expected));
  });

  it("defaults to today in BUSINESS_TZ, DAILY, QUANTITY and 10", async () => {
    const today = new Date(Date.now() + 9 * 3_600_000).toISOString().slice(0, 10);
    expect(await ranking("")).toEqual({ period: "DAILY", from: today, to: today, by: "QUANTITY", items: [] });
  });

  it("refuses bad input with 400 VALIDATION_FAILED", async () => {
    const bad = [
      "period=YEARLY",
      "period=daily",
      "by=PRICE",
      "by=quantity",
      "date=2026-02-30",
      "date=2026-1-01",
      "date=20261130",
      "date=2026-11-30T00:00:00Z",
      "date=",
      "limit=0",
      "limit=101",
      "limit=1.5",
      "limit=abc",
      "limit=",
      "limit=-1",
    ];
    for (const qs of bad) {
      const res = await http("GET", `${query.url}/rankings/products?${qs}`);
      expect(res.status, qs).toBe(400);
      expect(problemCode(res), qs).toBe("VALIDATION_FAILED");
      expect(res.body.errors, qs).toEqual([expect.objectContaining({ path: qs.split("=")[0], message: expect.any(String) })]);
      expect(res.headers["x-projection-position"], qs).toMatch(/^\d+$/);
    }
    for (const qs of ["limit=1", "limit=100", "period=WEEKLY&by=REVENUE", "date=2028-02-29"])
      expect((await http("GET", `${query.url}/rankings/products?${qs}`)).status, qs).toBe(200);
  });
});
