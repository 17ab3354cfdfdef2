import { CouponClaimReleased, CouponClaimReserved, CouponClaimUsed } from "./claim-events.js";
import { dataOf, type Projection } from "@surge/platform/projection/handler";

/**
 * The life of a claim after issue, on the coupon_claims rows the coupon projection inserts.
 * Absolute updates: each event states the claim's new status and order outright, so the rows
 * end the same as the domain's evolveCouponClaim.
 */
export const couponClaimProjection: Projection = {
  [CouponClaimReserved.type]: async (trx, event) => {
    const d = dataOf(CouponClaimReserved, event);
    await trx.updateTable("coupon_claims").set({ status: "RESERVED", order_id: d.orderId, updated_position: event.position }).where("claim_id", "=", d.claimId).execute();
  },

  [CouponClaimReleased.type]: async (trx, event) => {
    const d = dataOf(CouponClaimReleased, event);
    // As the domain's evolve: only the order holding the claim releases it.
    await trx
      .updateTable("coupon_claims")
      .set({ status: "AVAILABLE", order_id: null, updated_position: event.position })
      .where("claim_id", "=", d.claimId)
      .where("order_id", "=", d.orderId)
      .execute();
  },

  [CouponClaimUsed.type]: async (trx, event) => {
    const d = dataOf(CouponClaimUsed, event);
    await trx.updateTable("coupon_claims").set({ status: "USED", order_id: d.orderId, updated_position: event.position }).where("claim_id", "=", d.claimId).execute();
  },
};
