import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  // The primary key is what makes concurrent repeats of one key execute once.
  await db.schema
    .createTable("idempotency_keys")
    .addColumn("user_id", "varchar(64)", (c) => c.notNull())
    .addColumn("idem_key", "varchar(128)", (c) => c.notNull())
    .addColumn("request_hash", "char(64)", (c) => c.notNull())
    .addColumn("status_code", "integer")
    .addColumn("response_body", sql`mediumtext`)
    .addColumn("response_headers", "text")
    .addColumn("created_at", sql`datetime(3)`, (c) => c.notNull())
    .addColumn("completed_at", sql`datetime(3)`)
    .addPrimaryKeyConstraint("idempotency_keys_pk", ["user_id", "idem_key"])
    .execute();
  await db.schema.createIndex("idempotency_keys_created").on("idempotency_keys").column("created_at").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("idempotency_keys").execute();
}
