import type { Generated } from "kysely";

export interface SaleEventsTable {
  event_id: string;
  name: string;
  status: "SCHEDULED" | "OPEN" | "CLOSED";
  opens_at: Date;
  closes_at: Date | null;
  goods_name: string | null;
  goods_quantity: number | null;
  goods_allocated: Generated<number>;
  created_position: number;
  updated_position: number;
}

export interface SaleDealsTable {
  deal_id: string;
  event_id: string;
  ordinal: number;
  product_id: string;
  product_name: string;
  sale_price: number;
  stock: number;
  sold: Generated<number>;
  per_user_limit: number;
  updated_position: number;
}

/** The read model tables of this area, added to the one kysely Database. */
declare module "@surge/platform/db/schema" {
  interface Database {
    sale_events: SaleEventsTable;
    sale_deals: SaleDealsTable;
  }
}
