import { describe, expect, it } from "vitest";
import { specFor } from "@surge/platform/events/spec";
import { couponDecider, type ClaimCoupon } from "./coupon.js";
import type { CouponDefinition, CouponEvent } from "./coupon-events.js";

const spec = specFor(couponDecider);

const definition: CouponDefinition = {
  couponId: "c1",
  name: "WELCOME 5000",
  discount: { type: "FIXED", amount: 5000 },
  quantity: 2,
  perUserLimit: 1,
  minOrderAmount: 0,
  claimOpensAt: "2026-11-21T10:00:00.000Z",
  claimClosesAt: "2026-11-21T11:00:00.000Z",
  validUntil: "2026-12-31T00:00:00.000Z",
};
const created: CouponEvent = { type: "CouponCreated", data: definition };
const claimedBy = (userId: string, claimId: string): CouponEvent => ({
  type: "CouponClaimed",
  data: { couponId: "c1", claimId, userId, claimedAt: "2026-11-21T10:00:01.000Z", expiresAt: definition.validUntil },
});
const claim = (over: Partial<ClaimCoupon> = {}): ClaimCoupon => ({
  type: "ClaimCoupon",
  claimId: "k9",
  userId: "u1",
  now: new Date("2026-11-21T10:00:01.000Z"),
  claimsHeldByUser: 0,
  ...over,
});

describe("coupon decider", () => {
  it("creates a coupon from a consistent definition", () => {
    expect(spec.given([]).when({ type: "CreateCoupon", definition })).toEqual({ events: [created] });
  });

  it("rejects a closing time before the opening time", () => {
    const bad = { ...definition, claimClosesAt: "2026-11-21T09:00:00.000Z" };
    expect(spec.given([]).when({ type: "CreateCoupon", definition: bad })).toMatchObject({ error: { code: "VALIDATION_FAILED" } });
  });

  it("rejects creating the same coupon twice", () => {
    expect(spec.given([created]).when({ type: "CreateCoupon", definition })).toMatchObject({ error: { code: "CONFLICT" } });
  });

  it("issues a claim that expires with the coupon's validity", () => {
    expect(spec.given([created]).when(claim())).toEqual({ events: [claimedBy("u1", "k9")] });
  });

  it("refuses an unknown coupon", () => {
    expect(spec.given([]).when(claim())).toMatchObject({ error: { code: "NOT_FOUND" } });
  });

  it("refuses before the window opens and from the moment it closes", () => {
    expect(spec.given([created]).when(claim({ now: new Date("2026-11-21T09:59:59.999Z") }))).toMatchObject({
      error: { code: "CLAIM_WINDOW_CLOSED" },
    });
    expect(spec.given([created]).when(claim({ now: new Date("2026-11-21T11:00:00.000Z") }))).toMatchObject({
      error: { code: "CLAIM_WINDOW_CLOSED" },
    });
  });

  it("refuses a user at the per-user limit", () => {
    expect(spec.given([created, claimedBy("u1", "k1")]).when(claim({ claimsHeldByUser: 1 }))).toMatchObject({
      error: { code: "ALREADY_CLAIMED" },
    });
  });

  it("sells out at the quantity", () => {
    const full = [created, claimedBy("u2", "k2"), claimedBy("u3", "k3")];
    expect(spec.given(full).when(claim())).toMatchObject({ error: { code: "SOLD_OUT" } });
    expect(spec.given(full.slice(0, 2)).when(claim())).toEqual({ events: [claimedBy("u1", "k9")] });
  });
});
