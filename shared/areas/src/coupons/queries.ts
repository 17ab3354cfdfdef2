import type {} from "./tables.js";
import { discountSchema, type Discount } from "./coupon-events.js";
import { type Db } from "@surge/platform/db/database";
import type { Keyset } from "@surge/platform/http/pagination";
import type { CouponViewTable } from "./tables.js";

export const claimStatuses = ["AVAILABLE", "RESERVED", "USED", "EXPIRED"] as const;
export type ClaimStatus = (typeof claimStatuses)[number];

export interface CouponView {
  couponId: string;
  name: string;
  discount: Discount;
  quantity: number;
  claimed: number;
  remaining: number;
  perUserLimit: number;
  minOrderAmount: number;
  claimOpensAt: string;
  claimClosesAt: string | null;
  validUntil: string | null;
}

export interface UserClaimView {
  claimId: string;
  couponId: string;
  name: string;
  discount: Discount;
  minOrderAmount: number;
  status: ClaimStatus;
  claimedAt: string;
  expiresAt: string | null;
  orderId: string | null;
}

/** More claims than any user should hold; the contract has no pagination for /me/coupons. */
export const MAX_USER_CLAIMS = 1000;

const iso = (d: Date | null) => (d === null ? null : d.toISOString());
const discountOf = (text: string) => discountSchema.parse(JSON.parse(text));

export const couponListStatuses = ["OPEN", "UPCOMING"] as const;
export type CouponListStatus = (typeof couponListStatuses)[number];

export async function findCoupon(db: Db, couponId: string): Promise<CouponView | null> {
  const row = await db.selectFrom("coupon_view").selectAll().where("coupon_id", "=", couponId).executeTakeFirst();
  return row ? couponViewOf(row) : null;
}

/**
 * Coupon drops by the opening of their claim window (soonest first), `limit + 1` of them after
 * `after`. OPEN: claimable now (window open, units left); UPCOMING: the window opens later.
 */
export async function listCoupons(
  db: Db,
  opts: { status?: CouponListStatus | undefined; now: Date; after: Keyset | null; limit: number },
): Promise<CouponView[]> {
  const { now, after } = opts;
  let q = db.selectFrom("coupon_view").selectAll();
  if (opts.status === "UPCOMING") q = q.where("claim_opens_at", ">", now);
  if (opts.status === "OPEN") {
    q = q
      .where("claim_opens_at", "<=", now)
      .where((eb) => eb.or([eb("claim_closes_at", "is", null), eb("claim_closes_at", ">", now)]))
      .whereRef("claimed", "<", "quantity");
  }
  if (after) q = q.where((eb) => eb.or([eb("claim_opens_at", ">", after.at), eb.and([eb("claim_opens_at", "=", after.at), eb("coupon_id", ">", after.id)])]));
  const rows = await q
    .orderBy("claim_opens_at")
    .orderBy("coupon_id")
    .limit(opts.limit + 1)
    .execute();
  return rows.map(couponViewOf);
}

/** What is left to claim, as every coupon read shows it (never below 0). */
export const couponRemaining = (quantity: number, claimed: number) => Math.max(0, quantity - claimed);

function couponViewOf(row: CouponViewTable): CouponView {
  return {
    couponId: row.coupon_id,
    name: row.name,
    discount: discountOf(row.discount),
    quantity: row.quantity,
    claimed: row.claimed,
    remaining: couponRemaining(row.quantity, row.claimed),
    perUserLimit: row.per_user_limit,
    minOrderAmount: Number(row.min_order_amount),
    claimOpensAt: row.claim_opens_at.toISOString(),
    claimClosesAt: iso(row.claim_closes_at),
    validUntil: iso(row.valid_until),
  };
}

/**
 * The user's claims, newest first. An AVAILABLE claim past its expiresAt is EXPIRED for the
 * client (it can no longer be used on an order) even before any event records the expiry.
 */
export async function listUserClaims(db: Db, userId: string, opts: { status?: ClaimStatus | undefined; now: Date }): Promise<UserClaimView[]> {
  const { status, now } = opts;
  let q = db
    .selectFrom("coupon_claims as c")
    .innerJoin("coupon_view as v", "v.coupon_id", "c.coupon_id")
    .select(["c.claim_id", "c.coupon_id", "v.name", "v.discount", "v.min_order_amount", "c.status", "c.claimed_at", "c.expires_at", "c.order_id"])
    .where("c.user_id", "=", userId);
  if (status === "AVAILABLE") {
    q = q.where("c.status", "=", "AVAILABLE").where((eb) => eb.or([eb("c.expires_at", "is", null), eb("c.expires_at", ">", now)]));
  } else if (status === "EXPIRED") {
    q = q.where((eb) => eb.or([eb("c.status", "=", "EXPIRED"), eb.and([eb("c.status", "=", "AVAILABLE"), eb("c.expires_at", "<=", now)])]));
  } else if (status !== undefined) {
    q = q.where("c.status", "=", status);
  }
  const rows = await q.orderBy("c.claimed_at", "desc").orderBy("c.claim_id", "desc").limit(MAX_USER_CLAIMS).execute();
  return rows.map((r) => ({
    claimId: r.claim_id,
    couponId: r.coupon_id,
    name: r.name,
    discount: discountOf(r.discount),
    minOrderAmount: Number(r.min_order_amount),
    status: r.status === "AVAILABLE" && r.expires_at !== null && r.expires_at <= now ? "EXPIRED" : r.status,
    claimedAt: r.claimed_at.toISOString(),
    expiresAt: iso(r.expires_at),
    orderId: r.order_id,
  }));
}
