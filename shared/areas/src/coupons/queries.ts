import type {} from "./tables.js";
import { discountSchema, type Discount } from "./coupon-events.js";
import { type Db } from "@surge/platform/db/database";

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

export async function findCoupon(db: Db, couponId: string): Promise<CouponView | null> {
  const row = await db.selectFrom("coupon_view").selectAll().where("coupon_id", "=", couponId).executeTakeFirst();
  if (!row) return null;
  return {
    couponId: row.coupon_id,
    name: row.name,
    discount: discountOf(row.discount),
    quantity: row.quantity,
    claimed: row.claimed,
    remaining: Math.max(0, row.quantity - row.claimed),
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
