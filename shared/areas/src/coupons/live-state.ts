import type {} from "./tables.js";
import type { Db } from "@surge/platform/db/database";
import type { LiveDiff, LiveMessage } from "@surge/platform/live/client";
import { couponRemaining, type CouponView } from "./queries.js";

/** The claims-per-second figure averages over this many seconds, so one claim shows as 0.2/s for 5 s. */
export const CLAIM_RATE_WINDOW_S = 5;

/** What GET /coupons/{id}/live watches: the changing parts of a drop. */
export interface CouponLiveState {
  claimed: number;
  remaining: number;
  perSecond: number;
}

export async function readCouponLiveState(db: Db, couponId: string, now = new Date()): Promise<CouponLiveState | null> {
  const since = new Date(now.getTime() - CLAIM_RATE_WINDOW_S * 1000);
  const [coupon, recent] = await Promise.all([
    db.selectFrom("coupon_view").select(["quantity", "claimed"]).where("coupon_id", "=", couponId).executeTakeFirst(),
    db
      .selectFrom("coupon_claims")
      .select((eb) => eb.fn.countAll().as("n"))
      .where("coupon_id", "=", couponId)
      .where("claimed_at", ">=", since)
      .executeTakeFirstOrThrow(),
  ]);
  if (!coupon) return null;
  return {
    claimed: coupon.claimed,
    remaining: couponRemaining(coupon.quantity, coupon.claimed),
    perSecond: Number(recent.n) / CLAIM_RATE_WINDOW_S,
  };
}

/** One client's `claims` and `rate` messages, each sent when its figures change from what the client last got. */
export function couponDiff(snapshot: CouponView): LiveDiff<CouponLiveState> {
  let claimed = snapshot.claimed;
  let remaining = snapshot.remaining;
  let rate: number | null = null;
  return (state) => {
    const messages: LiveMessage[] = [];
    if (state.claimed !== claimed || state.remaining !== remaining) {
      claimed = state.claimed;
      remaining = state.remaining;
      messages.push({ event: "claims", data: { claimed, remaining } });
    }
    if (state.perSecond !== rate) {
      rate = state.perSecond;
      messages.push({ event: "rate", data: { perSecond: rate } });
    }
    return messages;
  };
}
