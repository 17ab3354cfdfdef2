import { preflight } from "@surge/platform/preflight";
import { describeMigrations, exitWith, prepareDatabase } from "./prepare-database.js";
import { readEnv } from "./env.js";

/** `npm run migrate`: creates the database named by DATABASE_URL if missing and migrates it. */
try {
  const env = readEnv();
  await preflight({ databaseUrl: env.DATABASE_URL });
  const ran = await prepareDatabase(env.DATABASE_URL);
  console.log(`migrate: ${describeMigrations(ran)}`);
} catch (err) {
  exitWith(err);
}
