import { sql, type Kysely } from "kysely";

const metricTables = ["product_metrics_daily", "product_metrics_weekly", "product_metrics_monthly"] as const;

/** Issue 14: the catalogue's likes and views, carts, and views and likes per product and period (projector-owned). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("products")
    .addColumn("likes", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("views", "bigint", (c) => c.notNull().defaultTo(0))
    .execute();
  // GET /products keyset, newest first.
  await db.schema.createIndex("products_newest").on("products").columns(["created_at", "product_id"]).execute();
  // A product's live deals (ProductView.deals, onSale=true).
  await db.schema.createIndex("sale_deals_product").on("sale_deals").columns(["product_id"]).execute();
  // GET /coupons keyset, by opening of the claim window.
  await db.schema.createIndex("coupon_view_opens").on("coupon_view").columns(["claim_opens_at", "coupon_id"]).execute();

  await db.schema
    .createTable("carts")
    .addColumn("user_id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("updated_at", sql`datetime(3)`, (c) => c.notNull())
    .addColumn("updated_position", "bigint", (c) => c.notNull())
    .execute();
  await db.schema
    .createTable("cart_lines")
    .addColumn("user_id", "varchar(64)", (c) => c.notNull())
    .addColumn("deal_id", "varchar(80)", (c) => c.notNull())
    .addColumn("quantity", "integer", (c) => c.notNull())
    // Lines keep the order they were first put in the cart; a new quantity does not move them.
    .addColumn("added_position", "bigint", (c) => c.notNull())
    .addColumn("updated_position", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("cart_lines_pk", ["user_id", "deal_id"])
    .execute();
  await db.schema.createIndex("cart_lines_user_added").on("cart_lines").columns(["user_id", "added_position"]).execute();

  for (const table of metricTables) {
    await db.schema
      .alterTable(table)
      .addColumn("views", "bigint", (c) => c.notNull().defaultTo(0))
      // Signed per period: a like withdrawn on a later day takes one off that later day.
      .addColumn("likes", "bigint", (c) => c.notNull().defaultTo(0))
      .execute();
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of metricTables) await db.schema.alterTable(table).dropColumn("views").dropColumn("likes").execute();
  await db.schema.dropTable("cart_lines").execute();
  await db.schema.dropTable("carts").execute();
  await db.schema.dropIndex("coupon_view_opens").on("coupon_view").execute();
  await db.schema.dropIndex("sale_deals_product").on("sale_deals").execute();
  await db.schema.dropIndex("products_newest").on("products").execute();
  await db.schema.alterTable("products").dropColumn("likes").dropColumn("views").execute();
}
