import { sql } from "kysely";
import type { Db } from "../db/database.js";

/**
 * Moves a batch handler's checkpoint in `projection_checkpoints` to `position`. GREATEST: a second
 * batch process behind this one must never move the checkpoint back.
 */
export async function saveCheckpoint(db: Db, name: string, position: number): Promise<void> {
  await db
    .insertInto("projection_checkpoints")
    .values({ name, position })
    .onDuplicateKeyUpdate({ position: sql`GREATEST(position, VALUES(position))`, updated_at: sql`CURRENT_TIMESTAMP(3)` })
    .execute();
}

/** Runs `fn` over `items`, at most `parallel` at a time, chunk after chunk; the first failure fails the whole. */
export async function inChunks<T>(items: readonly T[], parallel: number, fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += parallel) await Promise.all(items.slice(i, i + parallel).map(fn));
}
