import { sql, type Kysely } from "kysely";

/**
 * Issue 12 (9b): the retry bookkeeping of the payment process managers (refunds, compensations).
 * Operational state, not business facts: the outcome of each retry is still an event.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("payment_retries")
    .addColumn("job", "varchar(32)", (c) => c.notNull())
    .addColumn("order_id", "varchar(64)", (c) => c.notNull())
    .addColumn("payment_id", "varchar(64)", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull())
    .addColumn("next_attempt_at", sql`datetime(3)`, (c) => c.notNull())
    .addColumn("last_error", "varchar(1000)", (c) => c.notNull())
    // Set once the attempts ran out: not retried until `npm run batch -- dead-letters retry`.
    .addColumn("dead_at", sql`datetime(3)`)
    .addColumn("created_at", sql`datetime(3)`, (c) => c.notNull())
    .addColumn("updated_at", sql`datetime(3)`, (c) => c.notNull())
    .addPrimaryKeyConstraint("payment_retries_pk", ["job", "order_id"])
    .execute();
  await db.schema.createIndex("payment_retries_due").on("payment_retries").columns(["job", "dead_at", "next_attempt_at"]).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("payment_retries").execute();
}
