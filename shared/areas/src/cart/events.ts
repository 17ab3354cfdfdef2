import { z } from "zod";
import { eventType, type EventOf } from "@surge/platform/events/event-type";
import { instant, units } from "@surge/platform/events/schemas";

/** A line's quantity set (the line is added when it was not in the cart). The deal's event is kept so the cart knows it without a lookup. */
export const CartItemSet = eventType("CartItemSet", z.object({ userId: z.string(), dealId: z.string(), eventId: z.string(), quantity: units, setAt: instant }));
export const CartItemRemoved = eventType("CartItemRemoved", z.object({ userId: z.string(), dealId: z.string(), removedAt: instant }));
/** The cart became an order: appended with the order's OrderPlaced in one append, and empties the cart. */
export const CartCheckedOut = eventType("CartCheckedOut", z.object({ userId: z.string(), orderId: z.string(), checkedOutAt: instant }));

export const cartEventTypes = [CartItemSet, CartItemRemoved, CartCheckedOut] as const;
export type CartEvent = EventOf<(typeof cartEventTypes)[number]>;

export const cartStream = (userId: string) => `cart-${userId}`;
