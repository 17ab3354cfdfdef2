import { z } from "zod";
import { eventType, type EventOf } from "@surge/platform/events/event-type";
import { instant, units, won } from "@surge/platform/events/schemas";

export const orderItemSchema = z.object({
  dealId: z.string(),
  productId: z.string(),
  productName: z.string(),
  quantity: units,
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

const ref = { orderId: z.string(), eventId: z.string() };
export const paymentMethods = ["POINTS", "CARD"] as const;
export const cardTypes = ["SAMSUNG", "KB", "HYUNDAI"] as const;

export const PaymentRequested = eventType(
  "PaymentRequested",
  z.object({
    ...ref,
    paymentId: z.string(),
    method: z.enum(paymentMethods),
    amount: won,
    card: z.object({ type: z.enum(cardTypes), last4: z.string() }).nullable(),
    requestedAt: instant,
  }),
);
/** The gateway accepted the card payment under this transaction key: every later word about it must name the same key. */
export const PaymentSubmitted = eventType("PaymentSubmitted", z.object({ ...ref, paymentId: z.string(), transactionKey: z.string(), submittedAt: instant }));
export const PaymentSucceeded = eventType(
  "PaymentSucceeded",
  z.object({ ...ref, paymentId: z.string(), amount: won, transactionKey: z.string().nullable(), succeededAt: instant }),
);
export const PaymentFailed = eventType("PaymentFailed", z.object({ ...ref, paymentId: z.string(), reason: z.string(), failedAt: instant }));
export const PaymentRefunded = eventType("PaymentRefunded", z.object({ ...ref, paymentId: z.string(), amount: won, refundedAt: instant }));
/** Carries the lines and amount so sales metrics need no join; the period is paidAt's business date. */
export const OrderPaid = eventType(
  "OrderPaid",
  z.object({ ...ref, userId: z.string(), paymentId: z.string(), items: z.array(orderItemSchema), payableAmount: won, paidAt: instant }),
);
export const GoodsAllocated = eventType("GoodsAllocated", z.object({ ...ref, name: z.string(), allocatedAt: instant }));
export const GoodsReleased = eventType("GoodsReleased", z.object({ ...ref, releasedAt: instant }));
export const GoodsShipped = eventType("GoodsShipped", z.object({ ...ref, trackingNo: z.string(), shippedAt: instant }));
export const GoodsDelivered = eventType("GoodsDelivered", z.object({ ...ref, deliveredAt: instant }));

export const orderEventTypes = [
  OrderPlaced,
  OrderCancelled,
  OrderExpired,
  PaymentRequested,
  PaymentSubmitted,
  PaymentSucceeded,
  PaymentFailed,
  PaymentRefunded,
  OrderPaid,
  GoodsAllocated,
  GoodsReleased,
  GoodsShipped,
  GoodsDelivered,
] as const;
export type OrderEvent = EventOf<(typeof orderEventTypes)[number]>;
export type PlacedOrder = EventOf<typeof OrderPlaced>["data"];

export const orderStream = (orderId: string) => `order-${orderId}`;
