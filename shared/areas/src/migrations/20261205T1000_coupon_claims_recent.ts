import type { Kysely } from "kysely";

/**
 * GET /coupons/{id}/live counts a drop's claims of the last seconds several times a second; with
 * claimed_at beside coupon_id that is a short range scan, not every claim of the drop. The old
 * one-column index is the new one's prefix, so it goes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex("coupon_claims_coupon_claimed").on("coupon_claims").columns(["coupon_id", "claimed_at"]).execute();
  await db.schema.dropIndex("coupon_claims_coupon").on("coupon_claims").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex("coupon_claims_coupon").on("coupon_claims").columns(["coupon_id"]).execute();
  await db.schema.dropIndex("coupon_claims_coupon_claimed").on("coupon_claims").execute();
}
