import { sql, type Kysely } from "kysely";

/** Read models of issue 3: products, sale events with their deals, and orders (projector-owned). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("products")
    .addColumn("product_id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("name", "varchar(200)", (c) => c.notNull())
    .addColumn("price", "bigint", (c) => c.notNull())
    .addColumn("created_at", sql`datetime(3)`, (c) => c.notNull())
    .addColumn("updated_position", "bigint", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("sale_events")
    .addColumn("event_id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("name", "varchar(200)", (c) => c.notNull())
    .addColumn("status", "varchar(16)", (c) => c.notNull())
    .addColumn("opens_at", sql`datetime(3)`, (c) => c.notNull())
    .addColumn("closes_at", sql`datetime(3)`)
    .addColumn("goods_name", "varchar(200)")
    .addColumn("goods_quantity", "integer")
    .addColumn("goods_allocated", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_position", "bigint", (c) => c.notNull())
    .addColumn("updated_position", "bigint", (c) => c.notNull())
    .execute();
  // GET /events keyset: (opens_at, event_id), with or without a status filter.
  await db.schema.createIndex("sale_events_opens").on("sale_events").columns(["opens_at", "event_id"]).execute();
  await db.schema.createIndex("sale_events_status_opens").on("sale_events").columns(["status", "opens_at", "event_id"]).execute();

  await db.schema
    .createTable("sale_deals")
    .addColumn("deal_id", "varchar(80)", (c) => c.primaryKey())
    .addColumn("event_id", "varchar(64)", (c) => c.notNull())
    .addColumn("ordinal", "integer", (c) => c.notNull())
    .addColumn("product_id", "varchar(64)", (c) => c.notNull())
    .addColumn("product_name", "varchar(200)", (c) => c.notNull())
    .addColumn("sale_price", "bigint", (c) => c.notNull())
    .addColumn("stock", "integer", (c) => c.notNull())
    .addColumn("sold", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("per_user_limit", "integer", (c) => c.notNull())
    .addColumn("updated_position", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("sale_deals_event").on("sale_deals").columns(["event_id", "ordinal"]).execute();

  await db.schema
    .createTable("orders")
    .addColumn("order_id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("user_id", "varchar(64)", (c) => c.notNull())
    .addColumn("event_id", "varchar(64)", (c) => c.notNull())
    .addColumn("status", "varchar(16)", (c) => c.notNull())
    .addColumn("items", "text", (c) => c.notNull())
    .addColumn("total_amount", "bigint", (c) => c.notNull())
    .addColumn("discount_amount", "bigint", (c) => c.notNull())
    .addColumn("payable_amount", "bigint", (c) => c.notNull())
    .addColumn("coupon_claim_id", "varchar(64)")
    .addColumn("cancel_reason", "varchar(32)")
    .addColumn("payment", "text")
    .addColumn("goods", "text")
    .addColumn("created_at", sql`datetime(3)`, (c) => c.notNull())
    .addColumn("expires_at", sql`datetime(3)`, (c) => c.notNull())
    .addColumn("paid_at", sql`datetime(3)`)
    .addColumn("updated_at", sql`datetime(3)`, (c) => c.notNull())
    .addColumn("updated_position", "bigint", (c) => c.notNull())
    .execute();
  // GET /me/orders keyset (newest first); the expiry job's scan; the live stream's order rate.
  await db.schema.createIndex("orders_user_created").on("orders").columns(["user_id", "created_at", "order_id"]).execute();
  await db.schema.createIndex("orders_status_expires").on("orders").columns(["status", "expires_at"]).execute();
  await db.schema.createIndex("orders_event_created").on("orders").columns(["event_id", "created_at"]).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ["orders", "sale_deals", "sale_events", "products"]) {
    await db.schema.dropTable(t).execute();
  }
}
