import type {} from "./tables.js";
import { sql } from "kysely";
import { PointsDebited, PointsRefunded, WalletCharged } from "./events.js";
import { type StoredEvent } from "@surge/platform/eventstore/types";
import { dataOf, typesOf, type Projection } from "@surge/platform/projection/handler";

const balanceOf = (e: StoredEvent) => {
  if (e.type === WalletCharged.type) {
    const d = dataOf(WalletCharged, e);
    return { userId: d.userId, balance: d.balance, at: d.chargedAt };
  }
  if (e.type === PointsDebited.type) {
    const d = dataOf(PointsDebited, e);
    return { userId: d.userId, balance: d.balance, at: d.debitedAt };
  }
  const d = dataOf(PointsRefunded, e);
  return { userId: d.userId, balance: d.balance, at: d.refundedAt };
};

/**
 * wallets: each user's points balance (GET /me/wallet), as the domain's evolveWallet. Absolute:
 * each wallet event carries the balance after it, so the row is simply set to it, and a replay
 * (even without the event_handled filter) cannot add an amount twice. Of a run's events for one
 * user only the last (highest position) can win: one upsert row per user. The position guard also
 * keeps an older event delivered late from moving the balance back; in ON DUPLICATE KEY UPDATE
 * assignments run left to right, so updated_position is compared before it is moved.
 */
export const walletProjection: Projection = {
  types: typesOf(WalletCharged, PointsDebited, PointsRefunded),
  async run(trx, events, ctx) {
    const last = new Map<string, { user_id: string; balance: number; updated_at: Date; updated_position: number }>();
    for (const e of events) {
      const { userId, balance, at } = balanceOf(e);
      last.set(userId, { user_id: userId, balance, updated_at: new Date(at), updated_position: e.position });
    }
    const rows = [...last.values()].sort((a, b) => (a.user_id < b.user_id ? -1 : 1));
    const newer = sql<boolean>`VALUES(updated_position) > updated_position`;
    await ctx.send(() =>
      trx
        .insertInto("wallets")
        .values(rows)
        .onDuplicateKeyUpdate({
          balance: sql`IF(${newer}, VALUES(balance), balance)`,
          updated_at: sql`IF(${newer}, VALUES(updated_at), updated_at)`,
          updated_position: sql`GREATEST(updated_position, VALUES(updated_position))`,
        })
        .execute(),
    );
  },
};
