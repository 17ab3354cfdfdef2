import type {} from "../catalog/tables.js";
import { ProductLiked, ProductUnliked, ProductViewsCounted } from "./events.js";
import { dataOf, type Projection, type Trx } from "@surge/platform/projection/handler";
import type { StoredEvent } from "@surge/platform/eventstore/types";

// Relative updates: exact only because apply commits the event_handled row with them.
const add = (trx: Trx, event: StoredEvent, productId: string, column: "likes" | "views", delta: number) =>
  trx
    .updateTable("products")
    .set((eb) => ({ [column]: eb(column, "+", delta), updated_position: event.position }))
    .where("product_id", "=", productId)
    .execute();

/**
 * products.likes and products.views. Like events are appended only when a user's like changes
 * (the decider refuses a second like), so +1/-1 per event counts distinct users who like now.
 */
export const engagementProjection: Projection = {
  [ProductLiked.type]: async (trx, event) => {
    await add(trx, event, dataOf(ProductLiked, event).productId, "likes", 1);
  },
  [ProductUnliked.type]: async (trx, event) => {
    await add(trx, event, dataOf(ProductUnliked, event).productId, "likes", -1);
  },
  [ProductViewsCounted.type]: async (trx, event) => {
    const d = dataOf(ProductViewsCounted, event);
    await add(trx, event, d.productId, "views", d.views);
  },
};
