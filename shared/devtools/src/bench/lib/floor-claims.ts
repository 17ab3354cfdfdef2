import { sql } from "kysely";
import { z } from "zod";
import type { Db } from "@surge/platform/db/database";
import { eventType } from "@surge/platform/events/event-type";
import { GroupCommit } from "@surge/platform/eventstore/group-commit";
import type { EventStore } from "@surge/platform/eventstore/types";
import { newEvent } from "@surge/platform/events/new-event";
import { newId } from "@surge/platform/ids";

const FloorClaimed = eventType("FloorClaimed", z.object({ claimId: z.string(), couponId: z.string(), userId: z.string(), claimedAt: z.string() }));

/** The claim the floor steps and the append bench write, one per request or append. */
export interface FloorClaim {
  claimId: string;
  userId: string;
  claimedAt: string;
}

export const newFloorClaim = (userId: string): FloorClaim => ({ claimId: newId(), userId, claimedAt: new Date().toISOString() });

/** The claim through Surge's event store, as a claim's append goes: one stream (a drop's coupon), its id as the event id. */
export async function storeFloorClaim(store: EventStore, { claimId, userId, claimedAt }: FloorClaim): Promise<void> {
  const metadata = { correlationId: claimId, causationId: null, userId, occurredAt: claimedAt };
  await store.append("floor-coupon", "any", [newEvent(FloorClaimed, { claimId, couponId: "floor", userId, claimedAt }, { eventId: claimId, metadata })]);
}

/** The same claim through the bare INSERT's committer (see bareInsert). */
export const insertFloorClaim = (insert: GroupCommit<unknown[], void>, claim: FloorClaim): Promise<void> =>
  insert.submit([claim.claimId, claim.userId, JSON.stringify(claim), new Date(claim.claimedAt)], 200);

/** The table the bare INSERT writes to, in the bench's own database. */
export async function createFloorTable(db: Db): Promise<void> {
  await sql`CREATE TABLE floor_claims (claim_id CHAR(36) PRIMARY KEY, user_id VARCHAR(64) NOT NULL, data TEXT NOT NULL, claimed_at DATETIME(3) NOT NULL)`.execute(
    db,
  );
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
