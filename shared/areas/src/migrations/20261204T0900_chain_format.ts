import { sql, type Kysely } from "kysely";

/**
 * The hash chain's format per row (see platform eventstore/chain.ts). Rows already in the log keep
 * the hashes they were sealed with and are marked format 1; the column then loses its default, so
 * every append must name the format it sealed with. Both statements change metadata only.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE events ADD COLUMN chain_format TINYINT NOT NULL DEFAULT 1`.execute(db);
  await sql`ALTER TABLE events ALTER COLUMN chain_format DROP DEFAULT`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE events DROP COLUMN chain_format`.execute(db);
}
