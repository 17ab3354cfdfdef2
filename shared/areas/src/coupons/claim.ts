import { AppError } from "@surge/platform/errors";
import type { CouponDefinition } from "./coupon-events.js";
import { couponClaimEventTypes, type CouponClaimEvent } from "./claim-events.js";

export type ClaimStatus = "AVAILABLE" | "RESERVED" | "USED";
export interface CouponClaimState {
  status: ClaimStatus;
  orderId: string | null;
}

/** What CouponClaimed said when the claim was issued (it lives in the coupon's stream). */
export interface IssuedClaim {
  claimId: string;
  userId: string;
  expiresAt: string | null;
  coupon: CouponDefinition;
}

export type CouponClaimCommand =
  | { type: "ReserveClaim"; issued: IssuedClaim; userId: string; orderId: string; now: Date }
  | { type: "ReleaseClaim"; issued: IssuedClaim; orderId: string; now: Date }
  | { type: "UseClaim"; issued: IssuedClaim; orderId: string; now: Date };

export const initialCouponClaimState = (): CouponClaimState => ({ status: "AVAILABLE", orderId: null });

export function evolveCouponClaim(state: CouponClaimState, event: CouponClaimEvent): CouponClaimState {
  switch (event.type) {
    case "CouponClaimReserved":
      return { status: "RESERVED", orderId: event.data.orderId };
    case "CouponClaimReleased":
      return state.orderId === event.data.orderId ? { status: "AVAILABLE", orderId: null } : state;
    case "CouponClaimUsed":
      return { status: "USED", orderId: event.data.orderId };
  }
}

const notUsable = (why: string) => new AppError("COUPON_NOT_USABLE", why);

/** Release and use are keyed by order: only the order holding the claim moves it, and only once. */
export function decideCouponClaim(state: CouponClaimState, command: CouponClaimCommand): CouponClaimEvent[] {
  const { claimId, coupon } = command.issued;
  const base = { claimId, couponId: coupon.couponId, orderId: command.orderId };
  switch (command.type) {
    case "ReserveClaim": {
      if (command.issued.userId !== command.userId) throw notUsable("The coupon claim is not yours.");
      const expiresAt = command.issued.expiresAt;
      if (expiresAt !== null && Date.parse(expiresAt) <= command.now.getTime()) throw notUsable("The coupon has expired.");
      if (state.status !== "AVAILABLE") throw notUsable(`The coupon claim is ${state.status}.`);
      return [{ type: "CouponClaimReserved", data: { ...base, reservedAt: command.now.toISOString() } }];
    }
    case "ReleaseClaim":
      // A used claim comes back too when its paid order is cancelled and refunded.
      if (state.status === "AVAILABLE" || state.orderId !== command.orderId) return [];
      return [{ type: "CouponClaimReleased", data: { ...base, releasedAt: command.now.toISOString() } }];
    case "UseClaim":
      if (state.status === "USED" && state.orderId === command.orderId) return [];
      if (state.status !== "RESERVED" || state.orderId !== command.orderId) throw notUsable("The coupon claim is not reserved by this order.");
      return [{ type: "CouponClaimUsed", data: { ...base, usedAt: command.now.toISOString() } }];
  }
}

export const couponClaimDecider = { types: couponClaimEventTypes, initialState: initialCouponClaimState, evolve: evolveCouponClaim, decide: decideCouponClaim };
