import { sql } from "kysely";
import { readCheckpoint } from "@surge/platform/db/checkpoints";
import { type Db } from "@surge/platform/db/database";
import { compareTables, type Side, type TableReport } from "./compare.js";

export interface SnapshotComparison {
  /** The live projector checkpoint the compared live tables are at. */
  livePosition: number;
  reports: TableReport[];
}

/**
 * Compares live and shadow while the projector keeps running: live is read in ONE consistent
 * snapshot (InnoDB MVCC), and since the checkpoint commits with the read models, the snapshot's
 * checkpoint says exactly which events its tables hold. `beforeCompare` gets that position (and
 * the snapshot) to bring the shadow there; the shadow has its own connections, which see its commits.
 */
export async function compareAtSnapshot(
  live: Db,
  liveName: string,
  shadow: Side,
  show: number,
  beforeCompare: (livePosition: number, snapshot: Db) => Promise<void>,
): Promise<SnapshotComparison> {
  return live.connection().execute(async (conn) => {
    await sql`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ`.execute(conn);
    await sql`START TRANSACTION WITH CONSISTENT SNAPSHOT`.execute(conn);
    try {
      const livePosition = await readCheckpoint(conn);
      await beforeCompare(livePosition, conn);
      return { livePosition, reports: await compareTables({ db: conn, schema: liveName }, shadow, show) };
    } finally {
      // Read only; ending it also frees its metadata locks, which a later RENAME TABLE would wait for.
      await sql`ROLLBACK`.execute(conn);
    }
  });
}
