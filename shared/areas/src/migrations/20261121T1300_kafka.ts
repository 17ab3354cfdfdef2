import { sql, type Kysely } from "kysely";

/** Issue 5: the relay's and the Kafka projector's single-owner leases, and the projector's poison events. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("leases")
    .addColumn("name", "varchar(64)", (c) => c.primaryKey())
    .addColumn("owner", "varchar(128)", (c) => c.notNull())
    .addColumn("expires_at", sql`datetime(3)`, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("projection_failures")
    // The event id; for a record that is not even an event, an id derived from where it was read.
    .addColumn("event_id", "char(36)", (c) => c.primaryKey())
    .addColumn("position", "bigint")
    .addColumn("stream_id", "varchar(200)")
    .addColumn("type", "varchar(100)")
    // The event as delivered (JSON of the stored event), so retry-failed needs nothing else; null if undecodable.
    .addColumn("event", sql`mediumtext`)
    .addColumn("raw", sql`mediumtext`)
    .addColumn("source", "varchar(300)", (c) => c.notNull())
    .addColumn("error", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull())
    .addColumn("failed_at", sql`datetime(3)`, (c) => c.notNull())
    .addColumn("resolved_at", sql`datetime(3)`)
    .execute();
  await db.schema.createIndex("projection_failures_open").on("projection_failures").columns(["resolved_at", "position"]).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("projection_failures").execute();
  await db.schema.dropTable("leases").execute();
}
