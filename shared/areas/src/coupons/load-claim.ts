import type { EventStore } from "@surge/platform/eventstore/types";
import { AppError } from "@surge/platform/errors";
import { parseEvent } from "@surge/platform/events/event-type";
import { couponEventTypes, couponStream } from "./coupon-events.js";
import { couponClaimEventTypes, couponClaimStream } from "./claim-events.js";
import { evolveCouponClaim, initialCouponClaimState, type CouponClaimState, type IssuedClaim } from "./claim.js";
import { loadAggregate } from "@surge/platform/command/load";

/**
 * A claim's issue lives in its coupon's stream (event id = claim id), its later life in the
 * claim's own stream; the version of the latter is what an order's reservation must expect.
 */
export async function loadClaim(store: EventStore, claimId: string): Promise<{ issued: IssuedClaim; state: CouponClaimState; version: number }> {
  const notUsable = () => new AppError("COUPON_NOT_USABLE", "No such coupon claim.");
  const raw = await store.readEvent(claimId);
  const claimed = raw ? parseEvent(couponEventTypes, raw) : null;
  if (claimed?.type !== "CouponClaimed") throw notUsable();
  const [first] = await store.readStream(couponStream(claimed.data.couponId), { toVersion: 1 });
  const created = first ? parseEvent(couponEventTypes, first) : null;
  if (created?.type !== "CouponCreated") throw notUsable();
  const { state, version } = await loadAggregate(store, couponClaimStream(claimId), couponClaimEventTypes, initialCouponClaimState(), evolveCouponClaim);
  return { issued: { claimId, userId: claimed.data.userId, expiresAt: claimed.data.expiresAt, coupon: created.data }, state, version };
}
