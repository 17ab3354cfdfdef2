import type { Kysely } from "kysely";
import * as table from "./20261121T0800_idempotency.js";

/**
 * Idempotency records moved to Redis: two durable statements per keyed request were most of an
 * order's cost, and the store already refuses a second effect (ids derive from the key).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("idempotency_keys").ifExists().execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await table.up(db);
}
