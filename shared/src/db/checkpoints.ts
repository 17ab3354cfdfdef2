import type { Kysely } from "kysely";
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
