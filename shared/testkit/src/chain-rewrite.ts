import { sql } from "kysely";
import type { Db } from "@surge/platform/db/database";
import { GENESIS_HASH, sealRow } from "@surge/platform/eventstore/chain";

/**
 * The attack a chain alone cannot show: someone with write access to the database recomputes
 * every hash from `position` on, with the store's own code, after editing an event, and moves the
 * sequence row's hash along. Only an anchor kept outside the database tells the result apart.
 */
export async function rewriteChainFrom(db: Db, position: number): Promise<void> {
  const before = await db
    .selectFrom("events")
    .select("hash")
    .where("position", "=", position - 1)
    .executeTakeFirst();
  let previous = before?.hash ?? GENESIS_HASH;
  const rows = await db.selectFrom("events").selectAll().where("position", ">=", position).orderBy("position").execute();
  for (const r of rows) {
    const hash = sealRow(previous, { ...r, position: Number(r.position) });
    if (hash === null) throw new Error(`row ${r.position} has an unknown chain format ${r.chain_format}`);
    await sql`UPDATE events SET hash = ${hash} WHERE position = ${r.position}`.execute(db);
    previous = hash;
  }
  await sql`UPDATE event_sequence SET last_hash = ${previous} WHERE id = 1`.execute(db);
}
