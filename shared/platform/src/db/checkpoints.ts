import { sql, type Kysely } from "kysely";
import type { Database } from "./schema.js";

/**
 * The checkpoint the projector commits with the read models: every event at or below it is in
 * them. The query side reads the same row to answer read-your-writes.
 */
export const PROJECTOR_CHECKPOINT = "projector";

export async function readCheckpoint(db: Kysely<Database>, name: string = PROJECTOR_CHECKPOINT): Promise<number> {
  const row = await db.selectFrom("projection_checkpoints").select("position").where("name", "=", name).executeTakeFirst();
  return row ? Number(row.position) : 0;
}

/** The relay's checkpoint: every event at or below it was acknowledged by Kafka. */
export const RELAY_CHECKPOINT = "relay";

export interface CheckpointLag {
  /** Events in the store past the checkpoint. */
  events: number;
  /** How long the oldest of them has been in the store. */
  seconds: number;
}

/** How far a checkpoint trails the store's head, in events and in the age of the oldest event behind it. */
export async function measureLag(db: Kysely<Database>, head: number, name: string): Promise<CheckpointLag> {
  const checkpoint = await readCheckpoint(db, name);
  if (head <= checkpoint) return { events: 0, seconds: 0 };
  // Both instants from the database clock, so a skewed app clock cannot fake or hide lag.
  const { rows } = await sql<{ waited: string | number }>`
    SELECT TIMESTAMPDIFF(MICROSECOND, recorded_at, CURRENT_TIMESTAMP(3)) AS waited
    FROM events WHERE position > ${checkpoint} ORDER BY position LIMIT 1`.execute(db);
  return { events: head - checkpoint, seconds: Math.max(0, Number(rows[0]?.waited ?? 0) / 1e6) };
}
