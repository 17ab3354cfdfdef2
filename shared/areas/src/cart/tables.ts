/** One row per user who ever had a cart: when it last changed. */
export interface CartsTable {
  user_id: string;
  updated_at: Date;
  updated_position: number;
}

/** The lines of each cart; prices, stock and status are joined from the sale tables when read. */
export interface CartLinesTable {
  user_id: string;
  deal_id: string;
  quantity: number;
  added_position: number;
  updated_position: number;
}

/** The read model tables of this area, added to the one kysely Database. */
declare module "@surge/platform/db/schema" {
  interface Database {
    carts: CartsTable;
    cart_lines: CartLinesTable;
  }
}
