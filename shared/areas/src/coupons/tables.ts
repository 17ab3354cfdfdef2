export interface CouponViewTable {
  coupon_id: string;
  name: string;
  discount: string;
  quantity: number;
  claimed: number;
  per_user_limit: number;
  min_order_amount: number;
  claim_opens_at: Date;
  claim_closes_at: Date | null;
  valid_until: Date | null;
  created_at: Date;
  updated_position: number;
}

export interface CouponClaimsTable {
  claim_id: string;
  coupon_id: string;
  user_id: string;
  status: "AVAILABLE" | "RESERVED" | "USED" | "EXPIRED";
  claimed_at: Date;
  expires_at: Date | null;
  order_id: string | null;
  updated_position: number;
}

/** The read model tables of this area, added to the one kysely Database. */
declare module "@surge/platform/db/schema" {
  interface Database {
    coupon_view: CouponViewTable;
    coupon_claims: CouponClaimsTable;
  }
}
