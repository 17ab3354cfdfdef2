import type {} from "./tables.js";
import { ProductCreated } from "./events.js";
import { dataOf, typesOf, type Projection } from "@surge/platform/projection/handler";

/** products: the catalogue as created by admins (name and list price); a product created twice fails on the primary key. */
export const productProjection: Projection = {
  types: typesOf(ProductCreated),
  async run(trx, events, ctx) {
    const rows = events.map((event) => {
      const d = dataOf(ProductCreated, event);
      return { product_id: d.productId, name: d.name, price: d.price, created_at: event.occurredAt, updated_position: event.position };
    });
    await ctx.send(() => trx.insertInto("products").values(rows).execute());
  },
};
