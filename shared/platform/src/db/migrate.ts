import { Migrator, type Migration } from "kysely";
import type { Db } from "./database.js";

/** Applies every pending migration of the list (the areas own the schema; the platform only runs it). */
export async function runMigrations(db: Db, migrations: Record<string, Migration>): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}
