import { z } from "zod";
import { eventType, type EventOf } from "../event-type.js";
import { instant, won } from "../schemas.js";

export const orderItemSchema = z.object({
  dealId: z.string(),
  productId: z.string(),
  productName: z.string(),
  quantity: z.number().int().positive(),
  unitPrice: won,
  lineAmount: won,
});
export type OrderItem = z.infer<typeof orderItemSchema>;

export const OrderPlaced = eventType(
  "OrderPlaced",
  z.object({
    orderId: z.string(),
    userId: z.string(),
    eventId: z.string(),
    items: z.array(orderItemSchema).min(1),
    totalAmount: won,
    discountAmount: won,
    payableAmount: won,
    couponClaimId: z.string().nullable(),
    couponId: z.string().nullable(),
    placedAt: instant,
    expiresAt: instant,
  }),
);
export const cancelReasons = ["USER", "ADMIN", "PAYMENT_FAILED"] as const;
export const OrderCancelled = eventType(
  "OrderCancelled",
  z.object({ orderId: z.string(), eventId: z.string(), reason: z.enum(cancelReasons), cancelledAt: instant }),
);
export const OrderExpired = eventType("OrderExpired", z.object({ orderId: z.string(), eventId: z.string(), expiredAt: instant }));

export const orderEventTypes = [OrderPlaced, OrderCancelled, OrderExpired] as const;
export type OrderEvent = EventOf<(typeof orderEventTypes)[number]>;
export type PlacedOrder = EventOf<typeof OrderPlaced>["data"];

export const orderStream = (orderId: string) => `order-${orderId}`;
