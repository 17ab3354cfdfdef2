import type {} from "./tables.js";
import { sql } from "kysely";
import { CartCheckedOut, CartItemRemoved, CartItemSet } from "./events.js";
import { type StoredEvent } from "@surge/platform/eventstore/types";
import { dataOf, typesOf, type Projection, type Trx } from "@surge/platform/projection/handler";

const touch = (trx: Trx, event: StoredEvent, userId: string, at: string) =>
  trx
    .insertInto("carts")
    .values({ user_id: userId, updated_at: new Date(at), updated_position: event.position })
    .onDuplicateKeyUpdate({ updated_at: new Date(at), updated_position: event.position })
    .execute();

/** The statements one cart event makes, in order. */
function statementsOf(trx: Trx, event: StoredEvent): Array<() => Promise<unknown>> {
  if (event.type === CartItemSet.type) {
    const d = dataOf(CartItemSet, event);
    return [
      () =>
        trx
          .insertInto("cart_lines")
          .values({ user_id: d.userId, deal_id: d.dealId, quantity: d.quantity, added_position: event.position, updated_position: event.position })
          .onDuplicateKeyUpdate({ quantity: sql`VALUES(quantity)`, updated_position: sql`VALUES(updated_position)` })
          .execute(),
      () => touch(trx, event, d.userId, d.setAt),
    ];
  }
  if (event.type === CartItemRemoved.type) {
    const d = dataOf(CartItemRemoved, event);
    return [
      () => trx.deleteFrom("cart_lines").where("user_id", "=", d.userId).where("deal_id", "=", d.dealId).execute(),
      () => touch(trx, event, d.userId, d.removedAt),
    ];
  }
  const d = dataOf(CartCheckedOut, event);
  return [() => trx.deleteFrom("cart_lines").where("user_id", "=", d.userId).execute(), () => touch(trx, event, d.userId, d.checkedOutAt)];
}

/**
 * carts and cart_lines: what each user's cart holds, in the order the lines were first added.
 * Carts change a few times per user, never at a drop's rate, so a run simply sends each event's
 * statements in position order.
 */
export const cartProjection: Projection = {
  types: typesOf(CartItemSet, CartItemRemoved, CartCheckedOut),
  async run(trx, events, ctx) {
    for (const event of events) for (const statement of statementsOf(trx, event)) await ctx.send(statement);
  },
};
