import { CouponClaimed, CouponCreated, couponStream, type CouponDefinition } from "@surge/areas/coupons/coupon-events";
import { newId } from "@surge/platform/ids";
import { type EventStore, type NewEvent } from "@surge/platform/eventstore/types";
import { rawEvent } from "./raw-event.js";

export const definition = (over: Partial<CouponDefinition> = {}): CouponDefinition => ({
  couponId: newId(),
  name: "WELCOME 5000",
  discount: { type: "FIXED", amount: 5000 },
  quantity: 1_000_000,
  perUserLimit: 1_000_000,
  minOrderAmount: 10_000,
  claimOpensAt: "2026-11-21T00:00:00.000Z",
  claimClosesAt: null,
  validUntil: "2027-01-01T00:00:00.000Z",
  ...over,
});

export const created = (def: CouponDefinition): NewEvent => rawEvent(CouponCreated, def);

/** A claim event whose event id is its claim id, as command-api appends them. */
export const claimed = (def: CouponDefinition, userId: string, claimId = newId()): NewEvent =>
  rawEvent(CouponClaimed, { couponId: def.couponId, claimId, userId, claimedAt: new Date().toISOString(), expiresAt: def.validUntil }, { eventId: claimId });

/** Appends a coupon and `claims` claims by users u0…u9, in appends of up to 200 events. */
export async function appendCoupon(store: EventStore, claims: number, over: Partial<CouponDefinition> = {}): Promise<CouponDefinition> {
  const def = definition(over);
  await store.append(couponStream(def.couponId), "no_stream", [created(def)]);
  for (let i = 0; i < claims; i += 200) {
    const chunk = Array.from({ length: Math.min(200, claims - i) }, (_, j) => claimed(def, `u${(i + j) % 10}`));
    await store.append(couponStream(def.couponId), "any", chunk);
  }
  return def;
}
