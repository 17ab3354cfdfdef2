import type {} from "./tables.js";
import type {} from "../sales/tables.js";
import type { Db } from "@surge/platform/db/database";
import { remainingOf } from "../sales/queries.js";
import { cartViewOf, type CartView } from "./view.js";

/** The user's cart, with each deal's price, stock and sale status as the read models have them now. */
export async function findCart(db: Db, userId: string): Promise<CartView> {
  const [cart, lines] = await Promise.all([
    db.selectFrom("carts").select("updated_at").where("user_id", "=", userId).executeTakeFirst(),
    db
      .selectFrom("cart_lines as l")
      .innerJoin("sale_deals as d", "d.deal_id", "l.deal_id")
      .innerJoin("sale_events as e", "e.event_id", "d.event_id")
      .select(["l.deal_id", "l.quantity", "d.event_id", "d.product_id", "d.product_name", "d.sale_price", "d.stock", "d.sold", "e.status"])
      .where("l.user_id", "=", userId)
      .orderBy("l.added_position")
      .execute(),
  ]);
  const items = lines.map((r) => ({
    dealId: r.deal_id,
    eventId: r.event_id,
    productId: r.product_id,
    productName: r.product_name,
    unitPrice: Number(r.sale_price),
    quantity: r.quantity,
    lineAmount: Number(r.sale_price) * r.quantity,
    remaining: remainingOf(r.stock, r.sold),
    eventStatus: r.status,
  }));
  return cartViewOf(items, cart ? cart.updated_at.toISOString() : null);
}
