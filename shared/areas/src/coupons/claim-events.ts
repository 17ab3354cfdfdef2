import { z } from "zod";
import { eventType, type EventOf } from "@surge/platform/events/event-type";
import { instant } from "@surge/platform/events/schemas";

/** The life of one issued coupon after CouponClaimed: reserved by an order, released, or used. */
export const CouponClaimReserved = eventType(
  "CouponClaimReserved",
  z.object({ claimId: z.string(), couponId: z.string(), orderId: z.string(), reservedAt: instant }),
);
export const CouponClaimReleased = eventType(
  "CouponClaimReleased",
  z.object({ claimId: z.string(), couponId: z.string(), orderId: z.string(), releasedAt: instant }),
);
export const CouponClaimUsed = eventType("CouponClaimUsed", z.object({ claimId: z.string(), couponId: z.string(), orderId: z.string(), usedAt: instant }));

export const couponClaimEventTypes = [CouponClaimReserved, CouponClaimReleased, CouponClaimUsed] as const;
export type CouponClaimEvent = EventOf<(typeof couponClaimEventTypes)[number]>;

export const couponClaimStream = (claimId: string) => `claim-${claimId}`;
