import type {} from "./tables.js";
import { sql } from "kysely";
import { CartCheckedOut, CartItemRemoved, CartItemSet } from "./events.js";
import { type StoredEvent } from "@surge/platform/eventstore/types";
import { dataOf, type Projection, type Trx } from "@surge/platform/projection/handler";

const touch = (trx: Trx, event: StoredEvent, userId: string, at: string) =>
  trx
    .insertInto("carts")
    .values({ user_id: userId, updated_at: new Date(at), updated_position: event.position })
    .onDuplicateKeyUpdate({ updated_at: new Date(at), updated_position: event.position })
    .execute();

/** carts and cart_lines: what each user's cart holds, in the order the lines were first added. */
export const cartProjection: Projection = {
  [CartItemSet.type]: async (trx, event) => {
    const d = dataOf(CartItemSet, event);
    await trx
      .insertInto("cart_lines")
      .values({ user_id: d.userId, deal_id: d.dealId, quantity: d.quantity, added_position: event.position, updated_position: event.position })
      .onDuplicateKeyUpdate({ quantity: sql`VALUES(quantity)`, updated_position: sql`VALUES(updated_position)` })
      .execute();
    await touch(trx, event, d.userId, d.setAt);
  },

  [CartItemRemoved.type]: async (trx, event) => {
    const d = dataOf(CartItemRemoved, event);
    await trx.deleteFrom("cart_lines").where("user_id", "=", d.userId).where("deal_id", "=", d.dealId).execute();
    await touch(trx, event, d.userId, d.removedAt);
  },

  [CartCheckedOut.type]: async (trx, event) => {
    const d = dataOf(CartCheckedOut, event);
    await trx.deleteFrom("cart_lines").where("user_id", "=", d.userId).execute();
    await touch(trx, event, d.userId, d.checkedOutAt);
  },
};
