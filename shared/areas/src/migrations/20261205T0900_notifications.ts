import { sql, type Kysely } from "kysely";

const time = sql`datetime(3)`;

/** Issue 15: webhooks and their deliveries, users' contact addresses and the email outbox (batch's notifications consumer). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("webhooks")
    .addColumn("webhook_id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("url", "varchar(2048)", (c) => c.notNull())
    .addColumn("types", "text", (c) => c.notNull())
    .addColumn("description", "varchar(500)")
    .addColumn("secret", "varchar(128)", (c) => c.notNull())
    .addColumn("created_at", time, (c) => c.notNull())
    .addColumn("created_position", "bigint", (c) => c.notNull())
    .execute();
  await db.schema
    .createTable("webhook_deliveries")
    .addColumn("delivery_id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("webhook_id", "varchar(64)", (c) => c.notNull())
    .addColumn("position", "bigint", (c) => c.notNull())
    .addColumn("type", "varchar(64)", (c) => c.notNull())
    .addColumn("body", sql`mediumtext`, (c) => c.notNull())
    .addColumn("status", "varchar(16)", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("pending_since", time, (c) => c.notNull())
    .addColumn("next_attempt_at", time, (c) => c.notNull())
    .addColumn("last_attempt_at", time)
    .addColumn("last_error", "varchar(500)")
    .addColumn("created_at", time, (c) => c.notNull())
    .execute();
  // The deliverer's head of each webhook, and the admin list by status, both in log order.
  await db.schema.createIndex("webhook_deliveries_queue").on("webhook_deliveries").columns(["webhook_id", "status", "position"]).execute();
  await db.schema.createIndex("webhook_deliveries_list").on("webhook_deliveries").columns(["webhook_id", "position"]).execute();
  await db.schema
    .createTable("user_contacts")
    .addColumn("user_id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("email", "varchar(254)", (c) => c.notNull())
    .addColumn("language", "varchar(8)", (c) => c.notNull())
    .addColumn("updated_at", time, (c) => c.notNull())
    .execute();
  await db.schema
    .createTable("email_outbox")
    .addColumn("message_id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("user_id", "varchar(64)", (c) => c.notNull())
    .addColumn("position", "bigint", (c) => c.notNull())
    .addColumn("type", "varchar(64)", (c) => c.notNull())
    .addColumn("data", "text", (c) => c.notNull())
    .addColumn("status", "varchar(16)", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("next_attempt_at", time, (c) => c.notNull())
    .addColumn("created_at", time, (c) => c.notNull())
    .addColumn("last_error", "varchar(500)")
    .execute();
  await db.schema.createIndex("email_outbox_queue").on("email_outbox").columns(["status", "next_attempt_at"]).execute();
  await db.schema.createIndex("email_outbox_user").on("email_outbox").columns(["user_id", "status"]).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ["email_outbox", "user_contacts", "webhook_deliveries", "webhooks"]) await db.schema.dropTable(t).execute();
}
