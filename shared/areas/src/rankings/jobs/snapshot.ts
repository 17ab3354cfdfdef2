import { calendarDate, rankBys, type RankBy } from "../metric-tables.js";
import { MAX_RANKING, topProducts } from "../top.js";
import { periodStart, periods, type Period } from "../calendar.js";
import { PROJECTOR_CHECKPOINT, readCheckpoint } from "@surge/platform/db/checkpoints";
import { type Db } from "@surge/platform/db/database";
import type { JobContext, JobSummary, RankingJob } from "./types.js";

/**
 * Replaces the stored top 100 of one period and ordering. One repeatable-read transaction: the
 * checkpoint and the metrics are committed together by the projector, so as_of_position names
 * exactly the events the list reflects. Delete-then-insert makes every re-run idempotent.
 */
export async function takeSnapshot(db: Db, period: Period, start: string, by: RankBy, takenAt: Date): Promise<{ items: number; asOf: number }> {
  return db
    .transaction()
    .setIsolationLevel("repeatable read")
    .execute(async (trx) => {
      const asOf = await readCheckpoint(trx, PROJECTOR_CHECKPOINT);
      const top = await topProducts(trx, period, start, by, MAX_RANKING);
      await trx
        .deleteFrom("ranking_snapshots")
        .where("period", "=", period)
        .where("period_start", "=", calendarDate(start))
        .where("rank_by", "=", by)
        .execute();
      if (top.length > 0) {
        await trx
          .insertInto("ranking_snapshots")
          .values(
            top.map((t) => ({
              period,
              period_start: start,
              rank_by: by,
              rank: t.rank,
              product_id: t.productId,
              product_name: t.name,
              orders: t.orders,
              quantity: t.quantity,
              revenue: t.revenue,
              as_of_position: asOf,
              taken_at: takenAt,
            })),
          )
          .execute();
      }
      return { items: top.length, asOf };
    });
}

export const snapshotRankingsJob: RankingJob = {
  name: "snapshot-rankings",
  description: "store the top 100 products of the day, ISO week and month holding --date, by quantity and by revenue",
  async run(ctx: JobContext): Promise<JobSummary> {
    const lists = periods.flatMap((period) => rankBys.map((by) => ({ period, by, start: periodStart(period, ctx.date) })));
    const takenAt = new Date();
    const details: string[] = [];
    let items = 0;
    ctx.progress(0, lists.length);
    for (const [i, l] of lists.entries()) {
      const r = await takeSnapshot(ctx.db, l.period, l.start, l.by, takenAt);
      items += r.items;
      details.push(`${l.period} ${l.start} by ${l.by}: ${r.items} products (as of position ${r.asOf})`);
      ctx.progress(i + 1, lists.length);
    }
    return {
      ok: true,
      headline: `${lists.length} ranking snapshots of ${ctx.date} stored, ${items} rows`,
      details,
      counts: { snapshots: lists.length, rows: items },
    };
  },
};
