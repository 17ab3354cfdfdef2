import type {} from "./tables.js";
import { ProductCreated } from "./events.js";
import { dataOf, type Projection } from "@surge/platform/projection/handler";

/** products: the catalogue as created by admins (name and list price). */
export const productProjection: Projection = {
  [ProductCreated.type]: async (trx, event) => {
    const d = dataOf(ProductCreated, event);
    await trx
      .insertInto("products")
      .values({ product_id: d.productId, name: d.name, price: d.price, created_at: event.occurredAt, updated_position: event.position })
      .execute();
  },
};
