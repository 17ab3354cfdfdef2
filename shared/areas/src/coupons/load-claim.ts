import type { EventStore } from "@surge/platform/eventstore/types";
import { AppError } from "@surge/platform/errors";
import { parseEvent } from "@surge/platform/events/event-type";
import { couponEventTypes, couponStream } from "./coupon-events.js";
import { couponClaimStream } from "./claim-events.js";
import { couponClaimDecider, type CouponClaimState, type IssuedClaim } from "./claim.js";
import { loaderOf, type LoadedStream, type StreamLoader } from "@surge/platform/command/load";

type ClaimEventType = (typeof couponClaimDecider.types)[number];

/**
 * A claim's issue lives in its coupon's stream (event id = claim id), its later life in the
 * claim's own stream; the version of the latter is what an order's reservation must expect.
 * Inside a command handler pass its `load`, so the claim's version is the one the append expects.
 */
export async function loadClaim(
  store: EventStore,
  claimId: string,
  load: StreamLoader = loaderOf(store),
): Promise<{ issued: IssuedClaim; stream: LoadedStream<CouponClaimState, ClaimEventType> }> {
  const notUsable = () => new AppError("COUPON_NOT_USABLE", "No such coupon claim.");
  const raw = await store.readEvent(claimId);
  const claimed = raw ? parseEvent(couponEventTypes, raw) : null;
  if (claimed?.type !== "CouponClaimed") throw notUsable();
  const [first] = await store.readStream(couponStream(claimed.data.couponId), { toVersion: 1 });
  const created = first ? parseEvent(couponEventTypes, first) : null;
  if (created?.type !== "CouponCreated") throw notUsable();
  const stream = await load(couponClaimStream(claimId), couponClaimDecider);
  return { issued: { claimId, userId: claimed.data.userId, expiresAt: claimed.data.expiresAt, coupon: created.data }, stream };
}
