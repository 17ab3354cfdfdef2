import { sql } from "kysely";
import { z } from "zod";
import type { Db } from "@surge/platform/db/database";
import { eventType } from "@surge/platform/events/event-type";
import { GroupCommit } from "@surge/platform/eventstore/group-commit";
import { parseBenchArgs, type BenchArgs } from "./args.js";
import type { Cleanup } from "./cleanup.js";
import { probeCommit, serverInfo } from "./database.js";
import { readBenchEnv } from "./env.js";
import { createFixture, type Fixture } from "./fixture.js";
import { describeMachine, machineLine } from "./machine.js";

/** The claim the floor steps and the append bench write through the event store. */
export const FloorClaimed = eventType("FloorClaimed", z.object({ claimId: z.string(), couponId: z.string(), userId: z.string(), claimedAt: z.string() }));

/** The bench's own fixture, with the table the bare INSERT writes to; prints the machine line. */
export async function floorFixture(argv: string[], cleanup: Cleanup): Promise<{ args: BenchArgs; fx: Fixture; machine: string }> {
  const args = parseBenchArgs(argv);
  const fx = await createFixture(readBenchEnv(), cleanup);
  const machine = machineLine(await describeMachine(await serverInfo(fx.db), await probeCommit(fx.db)));
  console.log(`machine: ${machine}`);
  await sql`CREATE TABLE floor_claims (claim_id CHAR(36) PRIMARY KEY, user_id VARCHAR(64) NOT NULL, data TEXT NOT NULL, claimed_at DATETIME(3) NOT NULL)`.execute(
    fx.db,
  );
  return { args, fx, machine };
}

/** The smallest durable append: rows of [claimId, userId, data, claimedAt], one multi-row INSERT a batch, autocommit. */
export const bareInsert = (db: Db) =>
  new GroupCommit<unknown[], void>(
    async (rows) => {
      await sql`INSERT INTO floor_claims (claim_id, user_id, data, claimed_at) VALUES ${sql.join(rows.map((r) => sql`(${sql.join(r)})`))}`.execute(db);
      return rows.map(() => undefined);
    },
    { maxItems: 500, maxBytes: 4 * 1024 * 1024 },
  );
