import { sql } from "kysely";
import { createDb, dropDatabase, ensureDatabase, splitDatabaseUrl, type Db } from "@surge/platform/db/database";
import { migrateToLatest } from "@surge/areas/migrations/index";

/** The same server and credentials as `url`, another database. */
export function databaseUrl(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  // Validates the name the same way the apps do (and its length: MySQL allows 64 characters).
  splitDatabaseUrl(u.toString());
  return u.toString();
}

export const shadowName = (live: string) => `${live}_shadow`;

/** `<live>_replaced_20261121T070000`: where a swap moves the old tables, for inspection. */
export const replacedName = (live: string, now = new Date()) => `${live}_replaced_${now.toISOString().replace(/[-:]/g, "").slice(0, 15)}`;

/**
 * A fresh, fully migrated shadow database: dropped first, so nothing of an earlier replay (or of
 * a swap's leftovers) can leak into the rebuild.
 */
export async function createShadow(url: string): Promise<Db> {
  await dropDatabase(url);
  await ensureDatabase(url);
  const db = createDb({ url, poolSize: 2 });
  await migrateToLatest(db);
  return db;
}

/** Drops a database only while it holds no table: a failed swap must never destroy replaced tables. */
export async function dropIfEmpty(db: Db, url: string): Promise<void> {
  const { database } = splitDatabaseUrl(url);
  const { rows } = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ${database}`.execute(db);
  if (Number(rows[0]?.n) === 0) await dropDatabase(url);
}
