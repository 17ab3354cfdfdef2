import { CouponClaimed, CouponCreated } from "./coupon-events.js";
import { couponsBatch } from "./coupons-projection-batch.js";
import { dataOf, withBatch, type Projection } from "@surge/platform/projection/handler";

const instant = (iso: string | null) => (iso === null ? null : new Date(iso));

/** coupon_view (definition and claimed count) and coupon_claims (one row per claim). */
export const couponProjection: Projection = withBatch({
  [CouponCreated.type]: async (trx, event) => {
    const d = dataOf(CouponCreated, event);
    await trx
      .insertInto("coupon_view")
      .values({
        coupon_id: d.couponId,
        name: d.name,
        discount: JSON.stringify(d.discount),
        quantity: d.quantity,
        claimed: 0,
        per_user_limit: d.perUserLimit,
        min_order_amount: d.minOrderAmount,
        claim_opens_at: new Date(d.claimOpensAt),
        claim_closes_at: instant(d.claimClosesAt),
        valid_until: instant(d.validUntil),
        created_at: event.occurredAt,
        updated_position: event.position,
      })
      .execute();
  },

  [CouponClaimed.type]: async (trx, event) => {
    const d = dataOf(CouponClaimed, event);
    // A relative update: correct only because apply commits the event_handled row with it.
    await trx
      .updateTable("coupon_view")
      .set((eb) => ({ claimed: eb("claimed", "+", 1), updated_position: event.position }))
      .where("coupon_id", "=", d.couponId)
      .execute();
    // A plain insert: the primary key is a second guard against counting one claim twice.
    await trx
      .insertInto("coupon_claims")
      .values({
        claim_id: d.claimId,
        coupon_id: d.couponId,
        user_id: d.userId,
        status: "AVAILABLE",
        claimed_at: new Date(d.claimedAt),
        expires_at: instant(d.expiresAt),
        order_id: null,
        updated_position: event.position,
      })
      .execute();
  },
}, couponsBatch);
