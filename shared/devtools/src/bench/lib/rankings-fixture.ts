import { isoWeekStart, monthStart } from "@surge/areas/rankings/calendar";
import { type Db } from "@surge/platform/db/database";

export interface SeedShape {
  products: number;
  /** Consecutive business days with sales, ending on `lastDay`. */
  days: number;
  lastDay: string;
}

const DAY_MS = 86_400_000;
const dayBefore = (date: string, n: number) => new Date(Date.parse(`${date}T00:00:00Z`) - n * DAY_MS).toISOString().slice(0, 10);

/**
 * Metrics as the projector would have left them: every product sells on every day, with weekly
 * and monthly rows equal to the sums of their days. Written directly: the bench measures reads.
 */
export async function seedMetrics(db: Db, shape: SeedShape): Promise<{ rows: number }> {
  let seed = 12_345;
  const rnd = (n: number) => (seed = (seed * 48_271) % 2_147_483_647) % n;
  const ids = Array.from({ length: shape.products }, (_, i) => `bench-p${String(i).padStart(5, "0")}`);
  const sums = { WEEKLY: new Map<string, [number, number, number]>(), MONTHLY: new Map<string, [number, number, number]>() };
  let rows = 0;
  for (let d = shape.days - 1; d >= 0; d--) {
    const day = dayBefore(shape.lastDay, d);
    const values = ids.map((id, i) => {
      const orders = 1 + rnd(50);
      const quantity = orders + rnd(100);
      const revenue = quantity * (5_000 + (i % 40) * 1_000);
      for (const [period, start] of [
        ["WEEKLY", isoWeekStart(day)],
        ["MONTHLY", monthStart(day)],
      ] as const) {
        const key = `${start}|${id}`;
        const s = sums[period].get(key) ?? [0, 0, 0];
        sums[period].set(key, [s[0] + orders, s[1] + quantity, s[2] + revenue]);
      }
      return { period_start: day, product_id: id, product_name: `Bench product ${i}`, orders, quantity, revenue, updated_position: 1 };
    });
    rows += await insertChunks(db, "product_metrics_daily", values);
  }
  for (const period of ["WEEKLY", "MONTHLY"] as const) {
    const values = [...sums[period]].map(([key, [orders, quantity, revenue]]) => {
      const [start, id] = key.split("|") as [string, string];
      return { period_start: start, product_id: id, product_name: `Bench product ${Number(id.slice(7))}`, orders, quantity, revenue, updated_position: 1 };
    });
    rows += await insertChunks(db, period === "WEEKLY" ? "product_metrics_weekly" : "product_metrics_monthly", values);
  }
  // A checkpoint, so X-Projection-Position and the cache key carry a real position.
  await db.insertInto("projection_checkpoints").values({ name: "projector", position: 1 }).execute();
  return { rows };
}

type Row = { period_start: string; product_id: string; product_name: string; orders: number; quantity: number; revenue: number; updated_position: number };

async function insertChunks(db: Db, table: "product_metrics_daily" | "product_metrics_weekly" | "product_metrics_monthly", values: Row[]): Promise<number> {
  for (let i = 0; i < values.length; i += 2000)
    await db
      .insertInto(table)
      .values(values.slice(i, i + 2000))
      .execute();
  return values.length;
}
