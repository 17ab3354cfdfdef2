import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("events")
    .addColumn("position", "bigint", (c) => c.primaryKey())
    .addColumn("event_id", "char(36)", (c) => c.notNull().unique())
    .addColumn("stream_id", "varchar(191)", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("type", "varchar(128)", (c) => c.notNull())
    // LONGTEXT, not JSON: MariaDB's JSON is LONGTEXT anyway and mysql2 would parse only MySQL's.
    .addColumn("data", sql`longtext`, (c) => c.notNull())
    .addColumn("metadata", sql`longtext`, (c) => c.notNull())
    // One optional cross-stream tag (e.g. "event:<id>" on every order of a sale) so a guard can be
    // rebuilt from an index range instead of a scan over every stream of a category.
    .addColumn("tag", "varchar(191)")
    .addColumn("occurred_at", sql`datetime(3)`, (c) => c.notNull())
    .addColumn("recorded_at", sql`datetime(3)`, (c) => c.notNull().defaultTo(sql`CURRENT_TIMESTAMP(3)`))
    // SHA-256 chained to the previous event of the global log: any UPDATE, insert or delete shows.
    .addColumn("hash", "char(64)", (c) => c.notNull())
    .addUniqueConstraint("events_stream_version", ["stream_id", "version"])
    .execute();
  await db.schema.createIndex("events_type_position").on("events").columns(["type", "position"]).execute();
  await db.schema.createIndex("events_tag_position").on("events").columns(["tag", "position"]).execute();

  // One row whose lock serializes position assignment in commit order (design-notes: gap safety).
  await db.schema
    .createTable("event_sequence")
    .addColumn("id", "integer", (c) => c.primaryKey())
    .addColumn("last_position", "bigint", (c) => c.notNull())
    .addColumn("last_hash", "char(64)", (c) => c.notNull())
    .execute();
  await sql`INSERT INTO event_sequence (id, last_position, last_hash) VALUES (1, 0, ${"0".repeat(64)})`.execute(db);

  await db.schema
    .createTable("guard_fences")
    .addColumn("fence_key", "varchar(191)", (c) => c.primaryKey())
    .addColumn("token", "char(36)", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("guard_fences").execute();
  await db.schema.dropTable("event_sequence").execute();
  await db.schema.dropTable("events").execute();
}
