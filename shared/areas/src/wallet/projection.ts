import type {} from "./tables.js";
import { sql } from "kysely";
import { PointsDebited, PointsRefunded, WalletCharged } from "./events.js";
import { type StoredEvent } from "@surge/platform/eventstore/types";
import { dataOf, withBatch, type Projection, type Trx } from "@surge/platform/projection/handler";
import { walletsBatch } from "./projection-batch.js";

/**
 * Absolute: each wallet event carries the balance after it, so the row is simply set to it, and a
 * replay (even without the event_handled filter) cannot add an amount twice. The position guard
 * also keeps an older event delivered late from moving the balance back. In ON DUPLICATE KEY
 * UPDATE assignments run left to right, so updated_position is compared before it is moved.
 */
const setBalance = async (trx: Trx, event: StoredEvent, userId: string, balance: number, at: string) => {
  const newer = sql<boolean>`VALUES(updated_position) > updated_position`;
  await trx
    .insertInto("wallets")
    .values({ user_id: userId, balance, updated_at: new Date(at), updated_position: event.position })
    .onDuplicateKeyUpdate({
      balance: sql`IF(${newer}, VALUES(balance), balance)`,
      updated_at: sql`IF(${newer}, VALUES(updated_at), updated_at)`,
      updated_position: sql`GREATEST(updated_position, VALUES(updated_position))`,
    })
    .execute();
};

/** wallets: each user's points balance (GET /me/wallet), as the domain's evolveWallet. */
export const walletProjection: Projection = withBatch({
  [WalletCharged.type]: async (trx, event) => {
    const d = dataOf(WalletCharged, event);
    await setBalance(trx, event, d.userId, d.balance, d.chargedAt);
  },
  [PointsDebited.type]: async (trx, event) => {
    const d = dataOf(PointsDebited, event);
    await setBalance(trx, event, d.userId, d.balance, d.debitedAt);
  },
  [PointsRefunded.type]: async (trx, event) => {
    const d = dataOf(PointsRefunded, event);
    await setBalance(trx, event, d.userId, d.balance, d.refundedAt);
  },
}, walletsBatch);
