import { z } from "@hono/zod-openapi";
import { saleStatuses } from "../sales/queries.js";

export const cartItemBody = z.object({
  dealId: z.string(),
  eventId: z.string(),
  productId: z.string(),
  productName: z.string(),
  unitPrice: z.number().int(),
  quantity: z.number().int(),
  lineAmount: z.number().int(),
  remaining: z.number().int(),
  eventStatus: z.enum(saleStatuses),
});

/** The contract's CartView, answered alike by the cart commands and GET /me/cart. */
export const cartBody = z.object({ items: z.array(cartItemBody), totalAmount: z.number().int(), updatedAt: z.string().nullable() }).openapi("CartView");

export type CartItemView = z.infer<typeof cartItemBody>;
export type CartView = z.infer<typeof cartBody>;

export const cartViewOf = (items: CartItemView[], updatedAt: string | null): CartView => ({
  items,
  totalAmount: items.reduce((n, i) => n + i.lineAmount, 0),
  updatedAt,
});
