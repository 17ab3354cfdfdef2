import { sql } from "kysely";
import type { Db } from "../db/database.js";

/**
 * The MySQL named lock the live projector holds around each batch transaction. `npm run replay --
 * --swap` takes it to freeze the live read models while it catches its shadow copy up to the live
 * checkpoint and renames the tables: no batch can then commit into the tables being swapped out.
 */
export const APPLY_LOCK = "surge:projector:apply";

/** How long a batch waits for a swap to finish before it fails and the poller retries it. */
export const APPLY_LOCK_WAIT_S = 30;

/**
 * Runs `fn` on one pooled connection holding APPLY_LOCK. Named locks belong to a connection, so
 * the batch's transaction must run on the connection `fn` gets; a dead connection frees the lock.
 */
export function withApplyLock<T>(db: Db, fn: (conn: Db) => Promise<T>, waitSeconds = APPLY_LOCK_WAIT_S): Promise<T> {
  return db.connection().execute(async (conn) => {
    const { rows } = await sql<{ got: number | null }>`SELECT GET_LOCK(${APPLY_LOCK}, ${waitSeconds}) AS got`.execute(conn);
    if (Number(rows[0]?.got) !== 1) throw new Error(`${APPLY_LOCK} not free within ${waitSeconds}s (a replay --swap holds it)`);
    try {
      return await fn(conn);
    } finally {
      await sql`SELECT RELEASE_LOCK(${APPLY_LOCK})`.execute(conn);
    }
  });
}
