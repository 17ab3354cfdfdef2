import type {} from "./tables.js";
import { CouponClaimed } from "./coupon-events.js";
import { type StoredEvent } from "@surge/platform/eventstore/types";
import { dataOf, type BatchHandler, type Trx } from "@surge/platform/projection/handler";
import { insertRows } from "@surge/platform/projection/multi-row";
import type { RunContext } from "@surge/platform/projection/run-context";

/**
 * CouponClaimed in batch: one relative UPDATE per coupon (the run's count; updated_position set to
 * its last claim, as the per-event SET leaves it) and one plain multi-row INSERT of the claims,
 * whose primary key still refuses a claim counted twice.
 */
export const couponsBatch: BatchHandler = {
  types: new Set([CouponClaimed.type]),
  async run(trx: Trx, events: readonly StoredEvent[], ctx: RunContext) {
    const counts = new Map<string, { claims: number; position: number }>();
    const claims = events.map((event) => {
      const d = dataOf(CouponClaimed, event);
      const c = counts.get(d.couponId) ?? { claims: 0, position: event.position };
      c.claims++;
      c.position = event.position;
      counts.set(d.couponId, c);
      return [d.claimId, d.couponId, d.userId, "AVAILABLE", new Date(d.claimedAt), d.expiresAt === null ? null : new Date(d.expiresAt), null, event.position];
    });
    for (const [couponId, { claims: n, position }] of [...counts].sort(([a], [b]) => (a < b ? -1 : 1))) {
      await ctx.send(() =>
        trx
          .updateTable("coupon_view")
          .set((eb) => ({ claimed: eb("claimed", "+", n), updated_position: position }))
          .where("coupon_id", "=", couponId)
          .execute(),
      );
    }
    await ctx.send(() => insertRows(trx, "coupon_claims", ["claim_id", "coupon_id", "user_id", "status", "claimed_at", "expires_at", "order_id", "updated_position"], claims));
  },
};
