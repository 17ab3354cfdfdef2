import { sql, type Kysely } from "kysely";

/** Read model of issue 4: each user's points balance (projector-owned). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("wallets")
    .addColumn("user_id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("balance", "bigint", (c) => c.notNull())
    .addColumn("updated_at", sql`datetime(3)`, (c) => c.notNull())
    // The wallet event that set the balance: an older one delivered late never moves it back.
    .addColumn("updated_position", "bigint", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("wallets").execute();
}
