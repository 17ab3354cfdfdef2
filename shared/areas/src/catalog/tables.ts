import type { Generated } from "kysely";

export interface ProductsTable {
  product_id: string;
  name: string;
  price: number;
  /** Distinct users who like the product now. */
  likes: Generated<number>;
  /** Views counted (at most one per user per product per VIEW_DEDUP_S). */
  views: Generated<number>;
  created_at: Date;
  updated_position: number;
}

/** The read model tables of this area, added to the one kysely Database. */
declare module "@surge/platform/db/schema" {
  interface Database {
    products: ProductsTable;
  }
}
