import type { Insertable } from "kysely";
import type { ProductsTable } from "./tables.js";
import { ProductCreated } from "./events.js";
import { ProductLiked, ProductUnliked, ProductViewsCounted } from "../engagement/events.js";
import { dataOf, typesOf, type Projection } from "@surge/platform/projection/handler";

/**
 * products: the catalogue as created by admins (name and list price), with its likes and views. A
 * product created twice fails on the primary key. Likes count distinct users who like now: like
 * events are appended only when a user's like changes, so +1/-1 per event is exact. Commands check
 * that a product exists before liking or viewing it, so a run's inserts go first and its counters
 * after; `+=` is safe only because apply commits it with the events' event_handled rows.
 */
export const productProjection: Projection = {
  types: typesOf(ProductCreated, ProductLiked, ProductUnliked, ProductViewsCounted),
  async run(trx, events, ctx) {
    const rows: Insertable<ProductsTable>[] = [];
    const counters = new Map<string, { likes: number; views: number; position: number }>();
    const count = (productId: string, position: number, change: { likes?: number; views?: number }) => {
      const c = counters.get(productId) ?? { likes: 0, views: 0, position };
      c.likes += change.likes ?? 0;
      c.views += change.views ?? 0;
      c.position = position;
      counters.set(productId, c);
    };
    for (const event of events) {
      if (event.type === ProductCreated.type) {
        const d = dataOf(ProductCreated, event);
        rows.push({ product_id: d.productId, name: d.name, price: d.price, created_at: event.occurredAt, updated_position: event.position });
      } else if (event.type === ProductLiked.type) count(dataOf(ProductLiked, event).productId, event.position, { likes: 1 });
      else if (event.type === ProductUnliked.type) count(dataOf(ProductUnliked, event).productId, event.position, { likes: -1 });
      else {
        const d = dataOf(ProductViewsCounted, event);
        count(d.productId, event.position, { views: d.views });
      }
    }
    if (rows.length > 0) await ctx.send(() => trx.insertInto("products").values(rows).execute());
    for (const [productId, c] of [...counters].sort(([a], [b]) => (a < b ? -1 : 1))) {
      await ctx.send(() =>
        trx
          .updateTable("products")
          .set((eb) => ({ likes: eb("likes", "+", c.likes), views: eb("views", "+", c.views), updated_position: c.position }))
          .where("product_id", "=", productId)
          .execute(),
      );
    }
  },
};
