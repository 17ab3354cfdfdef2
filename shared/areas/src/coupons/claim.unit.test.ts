import { describe, expect, it } from "vitest";
import { specFor } from "@surge/platform/events/spec";
import { couponClaimDecider, type IssuedClaim } from "./claim.js";
import type { CouponClaimEvent } from "./claim-events.js";

const spec = specFor(couponClaimDecider);
const now = new Date("2026-11-21T10:00:00.000Z");
const issued: IssuedClaim = {
  claimId: "k1",
  userId: "u1",
  expiresAt: "2026-12-01T00:00:00.000Z",
  coupon: {
    couponId: "c1",
    name: "C",
    discount: { type: "FIXED", amount: 1 },
    quantity: 1,
    perUserLimit: 1,
    minOrderAmount: 0,
    claimOpensAt: now.toISOString(),
    claimClosesAt: null,
    validUntil: null,
  },
};
const reserved = (orderId: string): CouponClaimEvent => ({
  type: "CouponClaimReserved",
  data: { claimId: "k1", couponId: "c1", orderId, reservedAt: now.toISOString() },
});
const released = (orderId: string): CouponClaimEvent => ({
  type: "CouponClaimReleased",
  data: { claimId: "k1", couponId: "c1", orderId, releasedAt: now.toISOString() },
});
const used = (orderId: string): CouponClaimEvent => ({ type: "CouponClaimUsed", data: { claimId: "k1", couponId: "c1", orderId, usedAt: now.toISOString() } });
const reserve = (over: Partial<{ userId: string; orderId: string; now: Date }> = {}) => ({
  type: "ReserveClaim" as const,
  issued,
  userId: "u1",
  orderId: "o1",
  now,
  ...over,
});

describe("coupon claim decider", () => {
  it("reserves an available claim for its owner", () => {
    expect(spec.given([]).when(reserve())).toEqual({ events: [reserved("o1")] });
  });

  it("is not usable by someone else, after expiry, or while reserved or used", () => {
    expect(spec.given([]).when(reserve({ userId: "u2" }))).toMatchObject({ error: { code: "COUPON_NOT_USABLE" } });
    expect(spec.given([]).when(reserve({ now: new Date("2026-12-01T00:00:00.000Z") }))).toMatchObject({ error: { code: "COUPON_NOT_USABLE" } });
    expect(spec.given([reserved("o1")]).when(reserve({ orderId: "o2" }))).toMatchObject({ error: { code: "COUPON_NOT_USABLE" } });
    expect(spec.given([reserved("o1"), used("o1")]).when(reserve({ orderId: "o2" }))).toMatchObject({ error: { code: "COUPON_NOT_USABLE" } });
  });

  it("is released once, and only by the order holding it", () => {
    expect(spec.given([reserved("o1")]).when({ type: "ReleaseClaim", issued, orderId: "o1", now })).toEqual({ events: [released("o1")] });
    expect(spec.given([reserved("o1"), released("o1")]).when({ type: "ReleaseClaim", issued, orderId: "o1", now })).toEqual({ events: [] });
    expect(spec.given([reserved("o2")]).when({ type: "ReleaseClaim", issued, orderId: "o1", now })).toEqual({ events: [] });
  });

  it("comes back from USED when the paying order is cancelled", () => {
    expect(spec.given([reserved("o1"), used("o1")]).when({ type: "ReleaseClaim", issued, orderId: "o1", now })).toEqual({ events: [released("o1")] });
  });

  it("is usable again after release", () => {
    expect(spec.given([reserved("o1"), released("o1")]).when(reserve({ orderId: "o2" }))).toEqual({ events: [reserved("o2")] });
  });

  it("is used by the reserving order, idempotently", () => {
    expect(spec.given([reserved("o1")]).when({ type: "UseClaim", issued, orderId: "o1", now })).toEqual({ events: [used("o1")] });
    expect(spec.given([reserved("o1"), used("o1")]).when({ type: "UseClaim", issued, orderId: "o1", now })).toEqual({ events: [] });
  });
});
