import { sql } from "kysely";
import { APPLY_LOCK } from "@surge/platform/projection/apply-lock";
import { type Projections } from "@surge/platform/projection/handler";
import { PROJECTOR_CHECKPOINT, readCheckpoint } from "@surge/platform/db/checkpoints";
import { type Db } from "@surge/platform/db/database";
import { type EventStore } from "@surge/platform/eventstore/types";
import { openFailures, replayInto } from "./rebuild.js";
import { CHECKPOINTS, q, readModelTables } from "./tables.js";

/** How long the swap waits for the projector's batch in flight (it holds the apply lock per batch). */
const APPLY_LOCK_WAIT_S = 30;
/** How long RENAME TABLE waits for readers of the live tables before giving up (the default is a day). */
const RENAME_WAIT_S = 30;

export interface SwapPlan {
  live: Db;
  liveName: string;
  shadow: Db;
  shadowName: string;
  /** An existing, empty database that receives the replaced tables. */
  replacedName: string;
  store: EventStore;
  handlers: Projections;
}

export interface SwapResult {
  tables: string[];
  position: number;
}

/**
 * Swaps the shadow's read models in for the live ones. Under the projector's apply lock no live
 * batch is in flight and the live checkpoint stands still, so the shadow is caught up to exactly
 * that checkpoint and then ONE `RENAME TABLE` (atomic for every table in it) moves live → replaced
 * and shadow → live. projection_checkpoints stays: it also holds the batch followers' rows; its
 * projector row is set to the shadow's checkpoint in the same locked section, so the swapped-in
 * tables and the checkpoint agree when the projector resumes.
 */
export async function swapIn(plan: SwapPlan): Promise<SwapResult> {
  const tables = await swappable(plan);
  return plan.live.connection().execute(async (conn) => {
    const { rows } = await sql<{ got: number | null }>`SELECT GET_LOCK(${APPLY_LOCK}, ${APPLY_LOCK_WAIT_S}) AS got`.execute(conn);
    if (Number(rows[0]?.got) !== 1) throw new Error(`the projector did not free ${APPLY_LOCK} within ${APPLY_LOCK_WAIT_S}s; nothing swapped`);
    try {
      const position = await readCheckpoint(conn);
      const reached = await replayInto(plan.store, plan.shadow, plan.handlers, position, { quarantine: await openFailures(conn) });
      if (reached !== position) throw new Error(`the shadow reached ${reached}, not the live checkpoint ${position}; nothing swapped`);

      const [live, shadow, replaced] = [plan.liveName, plan.shadowName, plan.replacedName].map(q);
      const renames = tables.flatMap((t) => [`${live}.${q(t)} TO ${replaced}.${q(t)}`, `${shadow}.${q(t)} TO ${live}.${q(t)}`]);
      await sql`SET SESSION lock_wait_timeout = ${RENAME_WAIT_S}`.execute(conn);
      try {
        await sql.raw(`RENAME TABLE ${renames.join(", ")}`).execute(conn);
      } finally {
        await sql`SET SESSION lock_wait_timeout = DEFAULT`.execute(conn);
      }
      await conn
        .updateTable(CHECKPOINTS)
        .set({ position: reached, updated_at: sql`CURRENT_TIMESTAMP(3)` })
        .where("name", "=", PROJECTOR_CHECKPOINT)
        .execute();
      return { tables, position: reached };
    } finally {
      await sql`SELECT RELEASE_LOCK(${APPLY_LOCK})`.execute(conn);
    }
  });
}

/** Every read-model table plus event_handled; both sides must have the same set (same migrations). */
async function swappable(plan: SwapPlan): Promise<string[]> {
  const [live, shadow] = await Promise.all([readModelTables(plan.live, plan.liveName), readModelTables(plan.shadow, plan.shadowName)]);
  const names = (m: Map<string, unknown>) => [...m.keys()].filter((t) => t !== CHECKPOINTS).sort();
  if (names(live).join() !== names(shadow).join()) {
    throw new Error(`live and shadow hold different read-model tables (${names(live).join(", ")} vs ${names(shadow).join(", ")}); nothing swapped`);
  }
  return names(shadow);
}
