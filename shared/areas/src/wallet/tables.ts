export interface WalletsTable {
  user_id: string;
  /** The balance after the user's latest wallet event (each event carries it). */
  balance: number;
  updated_at: Date;
  updated_position: number;
}

/** The read model tables of this area, added to the one kysely Database. */
declare module "@surge/platform/db/schema" {
  interface Database {
    wallets: WalletsTable;
  }
}
