import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyBatch } from "@surge/platform/projection/apply";
import { handlers } from "@surge/areas/projections";
import { createLogger } from "@surge/platform/logging";
import { newId } from "@surge/platform/ids";
import { readCheckpoint } from "@surge/platform/db/checkpoints";
import { appendPaidOrder, rankRecount, recountSeoul, type PaidOrder, type Recount, type Tally, type TestProduct } from "@surge/testkit/paid-orders";
import { runCli } from "@surge/testkit/child-app";
import { createTestContext, type TestContext } from "@surge/testkit/context";
import { RedisLocks } from "@surge/platform/redis/lock";
import { runExclusive } from "@surge/areas/rankings/jobs/exclusive";
import { NightlyRankings } from "@surge/areas/rankings/jobs/nightly";
import { snapshotRankingsJob } from "@surge/areas/rankings/jobs/snapshot";
import type { JobContext } from "@surge/areas/rankings/jobs/types";
import { verifyRollupsJob } from "@surge/areas/rankings/jobs/verify-rollups";

let ctx: TestContext;
const ledger: PaidOrder[] = [];
const products: TestProduct[] = Array.from({ length: 5 }, (_, i) => ({ productId: newId(), name: `Item ${i + 1}`, unitPrice: 10_000 + 1_111 * i }));
const kst = (local: string) => new Date(`${local}+09:00`).toISOString();

/** Projects everything appended so far with the projector's own apply and handlers. */
const project = async () => applyBatch(ctx.db, handlers, await ctx.store.readAll(await readCheckpoint(ctx.db), 100_000));

async function paid(paidAt: string, lines: Array<[number, number]>, discountAmount = 0) {
  ledger.push(await appendPaidOrder(ctx.store, { lines: lines.map(([p, q]) => [products[p]!, q]), discountAmount, paidAt: kst(paidAt) }));
}

beforeAll(async () => {
  ctx = await createTestContext();
  let n = 0;
  for (const day of ["2026-11-27", "2026-11-28", "2026-11-29", "2026-11-30", "2026-12-01"]) {
    for (let k = 0; k < 4; k++, n++)
      await paid(
        `${day}T${String((n * 7) % 24).padStart(2, "0")}:30:00.000`,
        [
          [n % 5, 1 + (n % 3)],
          [(n + 2) % 5, 1],
        ],
        (n % 4) * 700,
      );
  }
  await paid("2026-11-29T23:59:59.900", [[0, 2]]);
  await paid("2026-12-01T00:00:00.100", [[1, 2]]);
  await project();
});
afterAll(async () => {
  await ctx?.close();
});

const context = (over: Partial<JobContext> = {}): JobContext => ({
  db: ctx.db,
  date: "2026-11-29",
  all: false,
  checkOnly: false,
  progress: () => undefined,
  ...over,
});

const tables = { WEEKLY: "product_metrics_weekly", MONTHLY: "product_metrics_monthly" } as const;
async function rollups(period: "WEEKLY" | "MONTHLY"): Promise<Map<string, Map<string, Tally>>> {
  const out = new Map<string, Map<string, Tally>>();
  for (const r of await ctx.db.selectFrom(tables[period]).selectAll().execute()) {
    if (Number(r.orders) === 0 && Number(r.quantity) === 0 && Number(r.revenue) === 0) continue;
    const start = r.period_start.toISOString().slice(0, 10);
    out.set(start, (out.get(start) ?? new Map()).set(r.product_id, { orders: Number(r.orders), quantity: Number(r.quantity), revenue: Number(r.revenue) }));
  }
  return out;
}
const expectRollupsMatchRecount = async (expected: Recount) => {
  expect(await rollups("WEEKLY")).toEqual(expected.WEEKLY);
  expect(await rollups("MONTHLY")).toEqual(expected.MONTHLY);
};

describe("verify-rollups", () => {
  it("finds nothing on rows the projector wrote", async () => {
    const summary = await verifyRollupsJob.run(context({ all: true }));
    expect(summary.counts).toMatchObject({ periods: 4, mismatches: 0, repaired: 0 }); // weeks of Nov 23 and Nov 30, November, December
    expect(summary.ok).toBe(true);
  });

  it("detects a corrupted weekly row, a stray one and a missing monthly one; --check reports, a run repairs", async () => {
    const [p0, p4] = [products[0]!.productId, products[4]!.productId];
    await sql`UPDATE product_metrics_weekly SET quantity = quantity + 7, revenue = revenue - 1 WHERE period_start = '2026-11-23' AND product_id = ${p0}`.execute(
      ctx.db,
    );
    await sql`INSERT INTO product_metrics_weekly (period_start, product_id, product_name, orders, quantity, revenue, updated_position) VALUES ('2026-11-23', 'ghost-product', 'Ghost', 1, 1, 100, 0)`.execute(
      ctx.db,
    );
    await sql`DELETE FROM product_metrics_monthly WHERE period_start = '2026-11-01' AND product_id = ${p4}`.execute(ctx.db);

    const progress: Array<[number, number]> = [];
    const check = await verifyRollupsJob.run(context({ checkOnly: true, progress: (d, t) => progress.push([d, t]) }));
    expect(progress).toEqual([
      [0, 2],
      [1, 2],
      [2, 2],
    ]);
    expect(check.ok).toBe(false);
    expect(check.counts).toMatchObject({ periods: 2, mismatches: 3, repaired: 0 });
    expect(check.details.join("\n")).toMatch(new RegExp(`WEEKLY 2026-11-23 ${p0}: daily sum orders \\d+, quantity \\d+`));
    expect(check.details.join("\n")).toContain(
      "WEEKLY 2026-11-23 ghost-product: daily sum orders 0, quantity 0, revenue 0, views 0, likes 0; found orders 1, quantity 1, revenue 100, views 0, likes 0",
    );
    expect(check.details.join("\n")).toMatch(new RegExp(`MONTHLY 2026-11-01 ${p4}: .*; found no row`));
    expect(await rollups("WEEKLY")).not.toEqual(recountSeoul(ledger).WEEKLY);

    const repair = await verifyRollupsJob.run(context());
    expect(repair).toMatchObject({ ok: true, counts: { mismatches: 3, repaired: 3 } });
    await expectRollupsMatchRecount(recountSeoul(ledger));
    expect((await verifyRollupsJob.run(context({ all: true }))).counts.mismatches).toBe(0);
  });

  it("--all reaches periods away from --date; a repair racing the projector loses no event", async () => {
    await sql`UPDATE product_metrics_monthly SET orders = orders + 1 WHERE period_start = '2026-12-01'`.execute(ctx.db);
    await sql`UPDATE product_metrics_weekly SET quantity = 0 WHERE period_start = '2026-11-30'`.execute(ctx.db);
    for (let i = 0; i < 10; i++) await paid(`2026-12-01T1${i}:00:00.000`, [[i % 5, 1 + i]], 300);
    const [summary] = await Promise.all([verifyRollupsJob.run(context({ all: true, date: "2026-11-01" })), project()]);
    expect(summary.counts.mismatches).toBeGreaterThan(0);
    // Whichever ran first, the repair never overwrote what the projection added.
    expect((await verifyRollupsJob.run(context({ all: true }))).counts.mismatches).toBe(0);
    await expectRollupsMatchRecount(recountSeoul(ledger));
  });
});

describe("snapshot-rankings", () => {
  it("stores the top 100 of the day, week and month by quantity and revenue; a re-run replaces them", async () => {
    const position = await readCheckpoint(ctx.db);
    for (let i = 0; i < 2; i++) {
      const summary = await snapshotRankingsJob.run(context({ date: "2026-11-30" }));
      expect(summary.counts.snapshots).toBe(6);
    }
    const expected = recountSeoul(ledger);
    const lists: Array<["DAILY" | "WEEKLY" | "MONTHLY", string]> = [
      ["DAILY", "2026-11-30"],
      ["WEEKLY", "2026-11-30"],
      ["MONTHLY", "2026-11-01"],
    ];
    for (const [period, start] of lists) {
      for (const by of ["QUANTITY", "REVENUE"] as const) {
        const rows = await ctx.db
          .selectFrom("ranking_snapshots")
          .selectAll()
          .where("period", "=", period)
          .where("period_start", "=", sql<Date>`${start}`)
          .where("rank_by", "=", by)
          .orderBy("rank")
          .execute();
        expect(
          rows.map((r) => ({ rank: r.rank, productId: r.product_id, orders: Number(r.orders), quantity: Number(r.quantity), revenue: Number(r.revenue) })),
          `${period} ${by}`,
        ).toEqual(rankRecount(expected[period].get(start), by, 100));
        expect(new Set(rows.map((r) => Number(r.as_of_position)))).toEqual(new Set(rows.length ? [position] : []));
      }
    }
  });
});

describe("running exclusively", () => {
  it("a second process finds the job locked while one runs, and a night already done is skipped", async () => {
    const locks = new RedisLocks(ctx.redis);
    const deps = { locks, redis: ctx.redis };
    let release!: () => void;
    let acquired!: () => void;
    const holding = new Promise<void>((r) => (acquired = r));
    const held = locks.run("rankings:snapshot-rankings", 60_000, () => new Promise<void>((r) => ((release = r), acquired())));
    await holding;
    expect(await runExclusive(deps, snapshotRankingsJob, context({ date: "2026-11-28" }), { skipIfDone: false })).toEqual({ status: "locked" });
    release();
    await held;

    const outcomes: string[] = [];
    const nightly = new NightlyRankings(
      {
        db: ctx.db,
        locks,
        redis: ctx.redis,
        businessTz: "Asia/Seoul",
        logger: createLogger("test", "silent", false),
        onOutcome: (job, o) => outcomes.push(`${job}:${o}`),
      },
      {},
    );
    // 00:20 on Dec 2 in Seoul: the night of Dec 1, run by two processes (or twice by one).
    const night = new Date(kst("2026-12-02T00:20:00.000"));
    await Promise.all([nightly.fire(snapshotRankingsJob, night), nightly.fire(snapshotRankingsJob, night)]);
    await nightly.fire(snapshotRankingsJob, night);
    expect(outcomes.sort()).toEqual(["snapshot-rankings:ok", "snapshot-rankings:skipped", "snapshot-rankings:skipped"]);
    const taken = await ctx.db
      .selectFrom("ranking_snapshots")
      .select(sql<number>`COUNT(*)`.as("n"))
      .where("period", "=", "DAILY")
      .where("period_start", "=", sql<Date>`'2026-12-01'`)
      .executeTakeFirstOrThrow();
    expect(Number(taken.n)).toBeGreaterThan(0);
  });
});

/** The real CLI, as `npm run batch` runs it, against this file's database. */
const cli = (...args: string[]) => runCli("batch/src/cli.ts", args, ctx.appEnv);

describe("npm run batch", () => {
  it("runs a job by name with progress on stderr and a summary on stdout", async () => {
    await sql`UPDATE product_metrics_weekly SET orders = orders + 2 WHERE period_start = '2026-11-23' LIMIT 1`.execute(ctx.db);
    const check = await cli("verify-rollups", "--date", "2026-11-29", "--check");
    expect(check.code).toBe(1);
    expect(check.out).toContain("verify-rollups 2026-11-29: 2 roll-ups checked (the week and month of 2026-11-29), ");
    expect(check.out).toContain("1 mismatched, 0 repaired");
    expect(check.err).toContain("verify-rollups: 2/2 (100%)");

    const repair = await cli("verify-rollups", "--date", "2026-11-29");
    expect(repair.code).toBe(0);
    expect(repair.out).toContain("1 mismatched, 1 repaired");
    const snap = await cli("snapshot-rankings", "--date", "2026-11-30");
    expect(snap).toMatchObject({ code: 0 });
    expect(snap.out).toContain("6 ranking snapshots of 2026-11-30 stored");
  });

  it("refuses an unknown job or a bad date with usage and exit code 2", async () => {
    for (const args of [[], ["nope"], ["verify-rollups", "--date", "2026-02-30"], ["verify-rollups", "--bogus"]]) {
      const res = await cli(...args);
      expect(res.code, args.join(" ")).toBe(2);
      expect(res.err, args.join(" ")).toMatch(/usage: npm run batch|--date must be/);
    }
  });
});
