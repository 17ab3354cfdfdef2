import { sql, type Kysely } from "kysely";

/**
 * Every text column compares byte for byte, without padding: user ids are case-sensitive
 * (`U1` is not `u1`) and `order-x ` is not `order-x`. A database created by someone else (MySQL 8's
 * default is utf8mb4_0900_ai_ci) would otherwise let one user read and spend another's data.
 * MariaDB and MySQL name their binary NO PAD collation differently.
 */
async function binaryCollation(db: Kysely<unknown>): Promise<string> {
  const { rows } = await sql<{ v: string }>`SELECT VERSION() AS v`.execute(db);
  return /mariadb/i.test(rows[0]?.v ?? "") ? "utf8mb4_nopad_bin" : "utf8mb4_0900_bin";
}

async function convertTo(db: Kysely<unknown>, collation: string): Promise<void> {
  const { rows } = await sql<{ name: string }>`
    SELECT table_name AS name FROM information_schema.tables
    WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' AND table_name NOT LIKE 'kysely_migration%'`.execute(db);
  await sql`ALTER DATABASE CHARACTER SET utf8mb4 COLLATE ${sql.raw(collation)}`.execute(db);
  for (const { name } of rows) {
    await sql`ALTER TABLE ${sql.table(name)} CONVERT TO CHARACTER SET utf8mb4 COLLATE ${sql.raw(collation)}`.execute(db);
  }
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await convertTo(db, await binaryCollation(db));
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await convertTo(db, "utf8mb4_bin");
}
