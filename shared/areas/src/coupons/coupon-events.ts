import { z } from "zod";
import { eventType, type EventOf } from "@surge/platform/events/event-type";
import { instant, units, won } from "@surge/platform/events/schemas";

export const discountSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("FIXED"), amount: z.number().int().min(1).max(100_000_000) }),
  z.strictObject({
    type: z.literal("PERCENT"),
    percent: z.number().int().min(1).max(100),
    maxAmount: z.number().int().min(1).max(100_000_000).optional(),
  }),
]);
export type Discount = z.infer<typeof discountSchema>;

export const CouponCreated = eventType(
  "CouponCreated",
  z.object({
    couponId: z.string(),
    name: z.string(),
    discount: discountSchema,
    quantity: units,
    perUserLimit: units,
    minOrderAmount: won,
    claimOpensAt: instant,
    claimClosesAt: instant.nullable(),
    validUntil: instant.nullable(),
  }),
);

export const CouponClaimed = eventType(
  "CouponClaimed",
  z.object({
    couponId: z.string(),
    claimId: z.string(),
    userId: z.string(),
    claimedAt: instant,
    expiresAt: instant.nullable(),
  }),
);

export const couponEventTypes = [CouponCreated, CouponClaimed] as const;
export type CouponEvent = EventOf<typeof CouponCreated> | EventOf<typeof CouponClaimed>;
export type CouponDefinition = EventOf<typeof CouponCreated>["data"];

export const couponStream = (couponId: string) => `coupon-${couponId}`;
