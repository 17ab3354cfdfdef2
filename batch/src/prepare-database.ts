import { createDb, ensureDatabase } from "@surge/platform/db/database";
import { migrateToLatest } from "@surge/areas/migrations/index";
import { PreflightError } from "@surge/platform/preflight";

/** Creates the database when missing and applies every pending migration; returns what ran. */
export async function prepareDatabase(databaseUrl: string): Promise<string[]> {
  await ensureDatabase(databaseUrl);
  const db = createDb({ url: databaseUrl, poolSize: 1 });
  try {
    return await migrateToLatest(db);
  } finally {
    await db.destroy();
  }
}

export function describeMigrations(ran: string[]): string {
  if (ran.length === 0) return "database is up to date, no migration to run";
  return `applied ${ran.length} migration(s):\n${ran.map((name) => `  ${name}`).join("\n")}`;
}

/**
 * Ends a command-line tool on an expected failure (a server down, bad config) with its message
 * alone: a stack trace would bury the one line telling the reader what to do.
 */
export function exitWith(err: unknown): never {
  const expected = err instanceof PreflightError || (err instanceof Error && err.message.startsWith("Invalid configuration"));
  console.error(expected ? err.message : err);
  process.exit(1);
}
