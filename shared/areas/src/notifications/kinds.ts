import type { StoredEvent } from "@surge/platform/eventstore/types";

/** The notification types a webhook may subscribe to (contract: Notifications). */
export const webhookTypes = ["CouponClaimed", "OrderPaid", "PaymentFailed", "OrderRefunded", "GoodsAllocated", "OrderExpired"] as const;
export type WebhookType = (typeof webhookTypes)[number];

/** The notifications a user with a contact address is emailed about. */
export const emailTypes = ["CouponClaimed", "OrderPaid", "PaymentFailed", "OrderRefunded", "GoodsAllocated", "GoodsShipped"] as const;
export type EmailType = (typeof emailTypes)[number];

export type NotificationType = WebhookType | EmailType;

/** Stored event type → notification type. The log says PaymentRefunded; the contract's notification is OrderRefunded. */
const byStoredType: Record<string, NotificationType> = {
  CouponClaimed: "CouponClaimed",
  OrderPaid: "OrderPaid",
  PaymentFailed: "PaymentFailed",
  PaymentRefunded: "OrderRefunded",
  GoodsAllocated: "GoodsAllocated",
  GoodsShipped: "GoodsShipped",
  OrderExpired: "OrderExpired",
};

/**
 * The fields each notification carries, named one by one: `data` is built from this list and
 * never copied whole, so a field added to an event later (a card number, an address) stays out
 * until someone adds it here on purpose.
 */
const fields: Record<NotificationType, readonly string[]> = {
  CouponClaimed: ["couponId", "claimId", "userId", "claimedAt", "expiresAt"],
  OrderPaid: ["orderId", "eventId", "userId", "paymentId", "payableAmount", "items", "paidAt"],
  PaymentFailed: ["orderId", "eventId", "paymentId", "reason", "failedAt"],
  OrderRefunded: ["orderId", "eventId", "paymentId", "amount", "refundedAt"],
  GoodsAllocated: ["orderId", "eventId", "name", "allocatedAt"],
  GoodsShipped: ["orderId", "eventId", "trackingNo", "shippedAt"],
  OrderExpired: ["orderId", "eventId", "expiredAt"],
};
const itemFields = ["dealId", "productId", "productName", "quantity", "unitPrice", "lineAmount"] as const;

export interface Notification {
  type: NotificationType;
  data: Record<string, unknown>;
}

const pick = (source: Record<string, unknown>, names: readonly string[]) =>
  Object.fromEntries(names.filter((n) => source[n] !== undefined).map((n) => [n, source[n]]));

/** The notification an event is, with only its listed fields; null for events nobody is notified of. */
export function notificationOf(event: Pick<StoredEvent, "type" | "data">): Notification | null {
  const type = byStoredType[event.type];
  if (!type) return null;
  const source = event.data as Record<string, unknown>;
  const data = pick(source, fields[type]);
  if (Array.isArray(data.items)) data.items = (data.items as Array<Record<string, unknown>>).map((item) => pick(item, itemFields));
  return { type, data };
}

export const isWebhookType = (t: NotificationType): t is WebhookType => (webhookTypes as readonly string[]).includes(t);
export const isEmailType = (t: NotificationType): t is EmailType => (emailTypes as readonly string[]).includes(t);
