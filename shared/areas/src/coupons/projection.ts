import type { CouponClaimsTable } from "./tables.js";
import { CouponClaimed, CouponCreated } from "./coupon-events.js";
import { CouponClaimReleased, CouponClaimReserved, CouponClaimUsed } from "./claim-events.js";
import { type StoredEvent } from "@surge/platform/eventstore/types";
import { Deltas, type Statement } from "@surge/platform/projection/deltas";
import { dataOf, typesOf, type Projection } from "@surge/platform/projection/handler";
import { insertRows } from "@surge/platform/projection/multi-row";

const instant = (iso: string | null) => (iso === null ? null : new Date(iso));

type ClaimRow = [
  claim_id: string,
  coupon_id: string,
  user_id: string,
  status: CouponClaimsTable["status"],
  claimed_at: Date,
  expires_at: Date | null,
  order_id: string | null,
  updated_position: number,
];
const claimColumns = ["claim_id", "coupon_id", "user_id", "status", "claimed_at", "expires_at", "order_id", "updated_position"];

/**
 * A claim's life after issue, as the domain's evolveCouponClaim: each event states the claim's new
 * status and order outright; a release applies only to the claim of the order that holds it.
 */
function stepOf(event: StoredEvent) {
  if (event.type === CouponClaimReserved.type) {
    const d = dataOf(CouponClaimReserved, event);
    return { claimId: d.claimId, status: "RESERVED" as const, orderId: d.orderId, holder: null };
  }
  if (event.type === CouponClaimReleased.type) {
    const d = dataOf(CouponClaimReleased, event);
    return { claimId: d.claimId, status: "AVAILABLE" as const, orderId: null, holder: d.orderId };
  }
  const d = dataOf(CouponClaimUsed, event);
  return { claimId: d.claimId, status: "USED" as const, orderId: d.orderId, holder: null };
}

/**
 * coupon_view (definition and claimed count) and coupon_claims (one row per claim, then its life).
 * A run counts each coupon's claims in one relative UPDATE (correct only because apply commits the
 * event_handled rows with it) and inserts its claims in one plain INSERT, whose primary key still
 * refuses a claim counted twice. A claim issued in the run lives its life in memory before that
 * INSERT; an older claim's steps are sent as they come.
 */
export const couponProjection: Projection = {
  types: typesOf(CouponCreated, CouponClaimed, CouponClaimReserved, CouponClaimReleased, CouponClaimUsed),
  async run(trx, events, ctx) {
    const claimed = new Deltas((couponId, n, position) =>
      trx
        .updateTable("coupon_view")
        .set((eb) => ({ claimed: eb("claimed", "+", n), updated_position: position }))
        .where("coupon_id", "=", couponId)
        .execute(),
    );
    const writes: Statement[] = [];
    const claims: ClaimRow[] = [];
    const issued = new Map<string, ClaimRow>();
    for (const event of events) {
      if (event.type === CouponCreated.type) {
        const d = dataOf(CouponCreated, event);
        const coupon = {
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
        };
        writes.push(...claimed.take([d.couponId]), () => trx.insertInto("coupon_view").values(coupon).execute());
      } else if (event.type === CouponClaimed.type) {
        const d = dataOf(CouponClaimed, event);
        claimed.add(d.couponId, 1, event.position);
        const row: ClaimRow = [d.claimId, d.couponId, d.userId, "AVAILABLE", new Date(d.claimedAt), instant(d.expiresAt), null, event.position];
        claims.push(row);
        issued.set(d.claimId, row);
      } else {
        const step = stepOf(event);
        const row = issued.get(step.claimId);
        if (row) {
          if (step.holder === null || row[6] === step.holder) [row[3], row[6], row[7]] = [step.status, step.orderId, event.position];
          continue;
        }
        writes.push(() => {
          let update = trx
            .updateTable("coupon_claims")
            .set({ status: step.status, order_id: step.orderId, updated_position: event.position })
            .where("claim_id", "=", step.claimId);
          if (step.holder !== null) update = update.where("order_id", "=", step.holder);
          return update.execute();
        });
      }
    }
    for (const statement of [...writes, ...claimed.drain()]) await ctx.send(statement);
    await ctx.send(() => insertRows(trx, "coupon_claims", claimColumns, claims));
  },
};
