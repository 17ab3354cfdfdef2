import { sql, type Kysely } from "kysely";

const metricTables = ["product_metrics_daily", "product_metrics_weekly", "product_metrics_monthly"] as const;

/** Issue 6: sales metrics per product and period (projector-owned) and ranking snapshots (batch-owned). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("paid_sales")
    .addColumn("order_id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("paid_at", sql`datetime(3)`, (c) => c.notNull())
    .addColumn("business_date", "date", (c) => c.notNull())
    .addColumn("sales", "text", (c) => c.notNull())
    .addColumn("paid_position", "bigint", (c) => c.notNull())
    .addColumn("reversed_at", sql`datetime(3)`)
    .addColumn("reversed_position", "bigint")
    .execute();

  for (const table of metricTables) {
    await db.schema
      .createTable(table)
      .addColumn("period_start", "date", (c) => c.notNull())
      .addColumn("product_id", "varchar(64)", (c) => c.notNull())
      .addColumn("product_name", "varchar(200)", (c) => c.notNull())
      // Signed: a wrong subtraction shows up as a negative the nightly check reports, not as an error that stalls the projector.
      .addColumn("orders", "bigint", (c) => c.notNull())
      .addColumn("quantity", "bigint", (c) => c.notNull())
      .addColumn("revenue", "bigint", (c) => c.notNull())
      .addColumn("updated_position", "bigint", (c) => c.notNull())
      .addPrimaryKeyConstraint(`${table}_pk`, ["period_start", "product_id"])
      .execute();
    // GET /rankings/products: the period's rows already in ranking order (ties by product id), read up to `limit`.
    await db.schema.createIndex(`${table}_by_quantity`).on(table).columns(["period_start", "quantity desc", "product_id"]).execute();
    await db.schema.createIndex(`${table}_by_revenue`).on(table).columns(["period_start", "revenue desc", "product_id"]).execute();
  }

  await db.schema
    .createTable("ranking_snapshots")
    .addColumn("period", "varchar(8)", (c) => c.notNull())
    .addColumn("period_start", "date", (c) => c.notNull())
    .addColumn("rank_by", "varchar(8)", (c) => c.notNull())
    .addColumn("rank", "integer", (c) => c.notNull())
    .addColumn("product_id", "varchar(64)", (c) => c.notNull())
    .addColumn("product_name", "varchar(200)", (c) => c.notNull())
    .addColumn("orders", "bigint", (c) => c.notNull())
    .addColumn("quantity", "bigint", (c) => c.notNull())
    .addColumn("revenue", "bigint", (c) => c.notNull())
    .addColumn("as_of_position", "bigint", (c) => c.notNull())
    .addColumn("taken_at", sql`datetime(3)`, (c) => c.notNull())
    .addPrimaryKeyConstraint("ranking_snapshots_pk", ["period", "period_start", "rank_by", "rank"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ["ranking_snapshots", ...metricTables, "paid_sales"]) {
    await db.schema.dropTable(t).execute();
  }
}
