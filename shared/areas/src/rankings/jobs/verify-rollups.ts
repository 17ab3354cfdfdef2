import { sql } from "kysely";
import { asMetricTable, calendarDate, dateKey, metricTables } from "../metric-tables.js";
import { isoWeekStart, monthStart, periodRange } from "../calendar.js";
import { type Db } from "@surge/platform/db/database";
import { withDeadlockRetry } from "./retry.js";
import type { JobContext, JobSummary, RankingJob } from "./types.js";

type RollupPeriod = "WEEKLY" | "MONTHLY";
export interface RollupKey {
  period: RollupPeriod;
  start: string;
}

export interface Tally {
  orders: number;
  quantity: number;
  revenue: number;
  views: number;
  likes: number;
}

export interface RollupMismatch extends RollupKey {
  productId: string;
  /** The sum of the period's daily rows. */
  expected: Tally;
  /** The roll-up row as found (null: missing). */
  actual: Tally | null;
}

const zero: Tally = { orders: 0, quantity: 0, revenue: 0, views: 0, likes: 0 };
const same = (a: Tally, b: Tally) =>
  a.orders === b.orders && a.quantity === b.quantity && a.revenue === b.revenue && a.views === b.views && a.likes === b.likes;
const tallyOf = (r: { orders: unknown; quantity: unknown; revenue: unknown; views: unknown; likes: unknown }): Tally => ({
  orders: Number(r.orders),
  quantity: Number(r.quantity),
  revenue: Number(r.revenue),
  views: Number(r.views),
  likes: Number(r.likes),
});

/**
 * Compares one week's or month's rows with the sum of its daily rows and, unless `checkOnly`,
 * writes the sums over them. Both reads lock (repeatable read: the daily range with its gaps, then
 * the roll-up rows), in the order the projector writes (daily, then weekly, then monthly), so an
 * event being projected meanwhile waits and then adds to repaired values instead of being
 * overwritten by a repair computed before it. The daily rows are the reference: each is written
 * by exactly one statement per event, and a replay of the log rebuilds them.
 */
export async function verifyRollup(db: Db, key: RollupKey, checkOnly: boolean): Promise<{ rows: number; mismatches: RollupMismatch[] }> {
  const { from, to } = periodRange(key.period, key.start);
  return withDeadlockRetry(() =>
    db
      .transaction()
      .setIsolationLevel("repeatable read")
      .execute(async (trx) => {
        const daily = await trx
          .selectFrom("product_metrics_daily")
          .select(["product_id", sql<string>`MAX(product_name)`.as("name"), sql<number>`MAX(updated_position)`.as("position")])
          .select((eb) => [
            eb.fn.sum<number>("orders").as("orders"),
            eb.fn.sum<number>("quantity").as("quantity"),
            eb.fn.sum<number>("revenue").as("revenue"),
            eb.fn.sum<number>("views").as("views"),
            eb.fn.sum<number>("likes").as("likes"),
          ])
          .where("period_start", ">=", calendarDate(from))
          .where("period_start", "<=", calendarDate(to))
          .groupBy("product_id")
          .forUpdate()
          .execute();
        const table = asMetricTable(metricTables[key.period]);
        const rollup = await trx.selectFrom(table).selectAll().where("period_start", "=", calendarDate(key.start)).forUpdate().execute();

        const expected = new Map(daily.map((d) => [d.product_id, { tally: tallyOf(d), name: d.name, position: Number(d.position) }]));
        const actual = new Map(rollup.map((r) => [r.product_id, { tally: tallyOf(r), name: r.product_name }]));
        const mismatches: RollupMismatch[] = [];
        for (const productId of new Set([...expected.keys(), ...actual.keys()])) {
          const want = expected.get(productId)?.tally ?? zero;
          const have = actual.get(productId)?.tally ?? null;
          // A missing roll-up row and an all-zero one say the same thing.
          if (!same(want, have ?? zero)) mismatches.push({ ...key, productId, expected: want, actual: have });
        }
        if (!checkOnly && mismatches.length > 0) {
          await trx
            .insertInto(table)
            .values(
              mismatches.map((m) => ({
                period_start: key.start,
                product_id: m.productId,
                product_name: expected.get(m.productId)?.name ?? actual.get(m.productId)!.name,
                ...m.expected,
                updated_position: expected.get(m.productId)?.position ?? 0,
              })),
            )
            .onDuplicateKeyUpdate({
              orders: sql`VALUES(orders)`,
              quantity: sql`VALUES(quantity)`,
              revenue: sql`VALUES(revenue)`,
              views: sql`VALUES(views)`,
              likes: sql`VALUES(likes)`,
            })
            .execute();
        }
        return { rows: expected.size, mismatches };
      }),
  );
}

/** Every week and month that has a daily or a roll-up row. */
async function everyRollup(db: Db): Promise<RollupKey[]> {
  const distinct = async (table: "product_metrics_daily" | "product_metrics_weekly" | "product_metrics_monthly") =>
    (await db.selectFrom(table).select("period_start").distinct().execute()).map((r) => dateKey(r.period_start));
  const days = await distinct("product_metrics_daily");
  const weeks = new Set([...days.map(isoWeekStart), ...(await distinct("product_metrics_weekly"))]);
  const months = new Set([...days.map(monthStart), ...(await distinct("product_metrics_monthly"))]);
  return [
    ...[...weeks].sort().map((start) => ({ period: "WEEKLY" as const, start })),
    ...[...months].sort().map((start) => ({ period: "MONTHLY" as const, start })),
  ];
}

const show = (t: Tally | null) => (t ? `orders ${t.orders}, quantity ${t.quantity}, revenue ${t.revenue}, views ${t.views}, likes ${t.likes}` : "no row");

export const verifyRollupsJob: RankingJob = {
  name: "verify-rollups",
  description: "check that weekly and monthly metrics (sales, views, likes) equal the sum of their daily rows, and repair them",
  async run(ctx: JobContext): Promise<JobSummary> {
    const keys = ctx.all
      ? await everyRollup(ctx.db)
      : [
          { period: "WEEKLY" as const, start: isoWeekStart(ctx.date) },
          { period: "MONTHLY" as const, start: monthStart(ctx.date) },
        ];
    const mismatches: RollupMismatch[] = [];
    let rows = 0;
    ctx.progress(0, keys.length);
    for (const [i, key] of keys.entries()) {
      const result = await verifyRollup(ctx.db, key, ctx.checkOnly);
      rows += result.rows;
      mismatches.push(...result.mismatches);
      ctx.progress(i + 1, keys.length);
    }
    const repaired = ctx.checkOnly ? 0 : mismatches.length;
    const scope = ctx.all ? "every period" : `the week and month of ${ctx.date}`;
    return {
      ok: mismatches.length === repaired,
      headline: `${keys.length} roll-ups checked (${scope}), ${rows} products summed, ${mismatches.length} mismatched, ${repaired} repaired`,
      details: mismatches.map(
        (m) => `${m.period} ${m.start} ${m.productId}: daily sum ${show(m.expected)}; found ${show(m.actual)}${ctx.checkOnly ? "" : " → repaired"}`,
      ),
      counts: { periods: keys.length, products: rows, mismatches: mismatches.length, repaired },
    };
  },
};
