import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("event_handled")
    .addColumn("event_id", "char(36)", (c) => c.primaryKey())
    .addColumn("position", "bigint", (c) => c.notNull())
    .addColumn("handled_at", sql`datetime(3)`, (c) => c.notNull().defaultTo(sql`CURRENT_TIMESTAMP(3)`))
    .execute();

  await db.schema
    .createTable("projection_checkpoints")
    .addColumn("name", "varchar(64)", (c) => c.primaryKey())
    .addColumn("position", "bigint", (c) => c.notNull())
    .addColumn("updated_at", sql`datetime(3)`, (c) => c.notNull().defaultTo(sql`CURRENT_TIMESTAMP(3)`))
    .execute();

  await db.schema
    .createTable("coupon_view")
    .addColumn("coupon_id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("name", "varchar(200)", (c) => c.notNull())
    .addColumn("discount", "text", (c) => c.notNull())
    .addColumn("quantity", "integer", (c) => c.notNull())
    .addColumn("claimed", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("per_user_limit", "integer", (c) => c.notNull())
    .addColumn("min_order_amount", "bigint", (c) => c.notNull())
    .addColumn("claim_opens_at", sql`datetime(3)`, (c) => c.notNull())
    .addColumn("claim_closes_at", sql`datetime(3)`)
    .addColumn("valid_until", sql`datetime(3)`)
    .addColumn("created_at", sql`datetime(3)`, (c) => c.notNull())
    .addColumn("updated_position", "bigint", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("coupon_claims")
    .addColumn("claim_id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("coupon_id", "varchar(64)", (c) => c.notNull())
    .addColumn("user_id", "varchar(64)", (c) => c.notNull())
    .addColumn("status", "varchar(16)", (c) => c.notNull())
    .addColumn("claimed_at", sql`datetime(3)`, (c) => c.notNull())
    .addColumn("expires_at", sql`datetime(3)`)
    .addColumn("order_id", "varchar(64)")
    .addColumn("updated_position", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("coupon_claims_user").on("coupon_claims").columns(["user_id", "claimed_at"]).execute();
  await db.schema.createIndex("coupon_claims_coupon").on("coupon_claims").columns(["coupon_id"]).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ["coupon_claims", "coupon_view", "projection_checkpoints", "event_handled"]) {
    await db.schema.dropTable(t).execute();
  }
}
