import { AppError } from "@surge/platform/errors";
import { couponEventTypes, type CouponDefinition, type CouponEvent } from "./coupon-events.js";

export type CouponState = { status: "absent" } | { status: "defined"; definition: CouponDefinition; claimed: number };

export interface CreateCoupon {
  type: "CreateCoupon";
  definition: CouponDefinition;
}

export interface ClaimCoupon {
  type: "ClaimCoupon";
  claimId: string;
  userId: string;
  now: Date;
  /** Claims the user already holds: per-user counts live in the guard, not in the aggregate state. */
  claimsHeldByUser: number;
}

export type CouponCommand = CreateCoupon | ClaimCoupon;

export const initialCouponState = (): CouponState => ({ status: "absent" });

export function evolveCoupon(state: CouponState, event: CouponEvent): CouponState {
  switch (event.type) {
    case "CouponCreated":
      return { status: "defined", definition: event.data, claimed: 0 };
    case "CouponClaimed":
      return state.status === "defined" ? { ...state, claimed: state.claimed + 1 } : state;
  }
}

export function claimWindowOpen(def: CouponDefinition, now: Date): boolean {
  const t = now.getTime();
  if (t < Date.parse(def.claimOpensAt)) return false;
  return def.claimClosesAt === null || t < Date.parse(def.claimClosesAt);
}

export function decideCoupon(state: CouponState, command: CouponCommand): CouponEvent[] {
  switch (command.type) {
    case "CreateCoupon": {
      if (state.status !== "absent") throw new AppError("CONFLICT", "coupon already exists");
      const d = command.definition;
      const opens = Date.parse(d.claimOpensAt);
      const errors = [];
      if (d.claimClosesAt !== null && Date.parse(d.claimClosesAt) <= opens) errors.push({ path: "claimClosesAt", message: "must be after claimOpensAt" });
      if (d.validUntil !== null && Date.parse(d.validUntil) <= opens) errors.push({ path: "validUntil", message: "must be after claimOpensAt" });
      if (d.perUserLimit > d.quantity) errors.push({ path: "perUserLimit", message: "must not exceed quantity" });
      if (errors.length > 0) throw new AppError("VALIDATION_FAILED", "The coupon definition is not consistent.", { errors });
      return [{ type: "CouponCreated", data: d }];
    }
    case "ClaimCoupon": {
      if (state.status === "absent") throw new AppError("NOT_FOUND", "coupon not found");
      const d = state.definition;
      if (!claimWindowOpen(d, command.now)) throw new AppError("CLAIM_WINDOW_CLOSED", "The claim window of this coupon is closed.");
      if (command.claimsHeldByUser >= d.perUserLimit) throw new AppError("ALREADY_CLAIMED", `You already hold ${d.perUserLimit} claim(s) of this coupon.`);
      if (state.claimed >= d.quantity) throw new AppError("SOLD_OUT", "No coupons are left.");
      return [
        {
          type: "CouponClaimed",
          data: {
            couponId: d.couponId,
            claimId: command.claimId,
            userId: command.userId,
            claimedAt: command.now.toISOString(),
            expiresAt: d.validUntil,
          },
        },
      ];
    }
  }
}

export const couponDecider = { types: couponEventTypes, initialState: initialCouponState, evolve: evolveCoupon, decide: decideCoupon };

/** FIXED takes min(amount, total); PERCENT takes floor(total × percent / 100), capped by maxAmount. */
export function discountFor(discount: CouponDefinition["discount"], totalAmount: number): number {
  if (discount.type === "FIXED") return Math.min(discount.amount, totalAmount);
  const raw = Math.floor((totalAmount * discount.percent) / 100);
  return discount.maxAmount === undefined ? raw : Math.min(raw, discount.maxAmount);
}
