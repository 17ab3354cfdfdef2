import { describe, expect, it } from "vitest";
import { couponDiff } from "./live-state.js";
import type { CouponView } from "./queries.js";

const snapshot: CouponView = {
  couponId: "c1",
  name: "WELCOME 5000",
  discount: { type: "FIXED", amount: 5000 },
  quantity: 10,
  claimed: 2,
  remaining: 8,
  perUserLimit: 1,
  minOrderAmount: 0,
  claimOpensAt: "2026-11-21T10:00:00.000Z",
  claimClosesAt: null,
  validUntil: null,
};

describe("couponDiff", () => {
  it("states the rate once, then sends claims and rate only when they change from what this client got", () => {
    const diff = couponDiff(snapshot);
    // The snapshot already showed 2 claimed; only the rate is news.
    expect(diff({ claimed: 2, remaining: 8, perSecond: 0 })).toEqual([{ event: "rate", data: { perSecond: 0 } }]);
    expect(diff({ claimed: 2, remaining: 8, perSecond: 0 })).toEqual([]);
    expect(diff({ claimed: 5, remaining: 5, perSecond: 0.6 })).toEqual([
      { event: "claims", data: { claimed: 5, remaining: 5 } },
      { event: "rate", data: { perSecond: 0.6 } },
    ]);
    expect(diff({ claimed: 10, remaining: 0, perSecond: 0.6 })).toEqual([{ event: "claims", data: { claimed: 10, remaining: 0 } }]);
  });

  it("keeps one memory per client: a second client diffs from its own snapshot", () => {
    const first = couponDiff(snapshot);
    first({ claimed: 4, remaining: 6, perSecond: 0.4 });
    expect(couponDiff(snapshot)({ claimed: 4, remaining: 6, perSecond: 0.4 })).toEqual([
      { event: "claims", data: { claimed: 4, remaining: 6 } },
      { event: "rate", data: { perSecond: 0.4 } },
    ]);
  });
});
