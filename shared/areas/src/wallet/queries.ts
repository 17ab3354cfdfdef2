import type {} from "./tables.js";
import type { Db } from "@surge/platform/db/database";

export interface WalletView {
  balance: number;
  updatedAt: string | null;
}

/** The caller's balance; a user with no wallet event has 0 and no update time (evolveWallet's initial state). */
export async function findWallet(db: Db, userId: string): Promise<WalletView> {
  const row = await db.selectFrom("wallets").select(["balance", "updated_at"]).where("user_id", "=", userId).executeTakeFirst();
  return row ? { balance: Number(row.balance), updatedAt: row.updated_at.toISOString() } : { balance: 0, updatedAt: null };
}
