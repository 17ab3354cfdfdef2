
export interface ProductsTable {
  product_id: string;
  name: string;
  price: number;
  created_at: Date;
  updated_position: number;
}

/** The read model tables of this area, added to the one kysely Database. */
declare module "@surge/platform/db/schema" {
  interface Database {
    products: ProductsTable;
  }
}
