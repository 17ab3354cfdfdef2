import { describe, expect, it } from "vitest";
import { specFor, type Outcome } from "@surge/platform/events/spec";
import { MAX_AMOUNT } from "@surge/platform/events/schemas";
import type { CouponDefinition } from "../coupons/coupon-events.js";
import type { SaleState } from "../sales/sale.js";
import { orderDecider, type PlaceOrder } from "./order.js";
import type { OrderEvent } from "./events.js";

const spec = specFor(orderDecider);
const now = new Date("2026-11-21T10:00:00.000Z");
const sale = (status: "SCHEDULED" | "OPEN" | "CLOSED", prices = [30_000, 5_555]): SaleState => ({
  status,
  definition: {
    eventId: "e1",
    name: "Sale",
    opensAt: "2026-11-21T10:00:00.000Z",
    closesAt: null,
    deals: prices.map((salePrice, i) => ({ dealId: `d${i + 1}`, productId: `p${i + 1}`, productName: `P${i + 1}`, salePrice, stock: 10, perUserLimit: 5 })),
    goods: null,
  },
});
const coupon = (discount: CouponDefinition["discount"], minOrderAmount = 0) => ({
  claimId: "k1",
  definition: {
    couponId: "c1",
    name: "C",
    discount,
    quantity: 1,
    perUserLimit: 1,
    minOrderAmount,
    claimOpensAt: "2026-11-01T00:00:00.000Z",
    claimClosesAt: null,
    validUntil: null,
  },
});
const place = (over: Partial<PlaceOrder> = {}): PlaceOrder => ({
  type: "PlaceOrder",
  orderId: "o1",
  userId: "u1",
  sale: sale("OPEN"),
  lines: [{ dealId: "d1", quantity: 1 }],
  coupon: null,
  now,
  paymentTtlS: 600,
  ...over,
});
const amounts = (outcome: Outcome<OrderEvent>) =>
  "events" in outcome && outcome.events[0]?.type === "OrderPlaced"
    ? (({ totalAmount, discountAmount, payableAmount }) => ({ totalAmount, discountAmount, payableAmount }))(outcome.events[0].data)
    : outcome;

describe("order decider", () => {
  it("prices lines from the deals and sets the payment deadline", () => {
    const outcome = spec.given([]).when(
      place({
        lines: [
          { dealId: "d1", quantity: 2 },
          { dealId: "d2", quantity: 1 },
        ],
      }),
    );
    expect(outcome).toMatchObject({
      events: [
        {
          type: "OrderPlaced",
          data: {
            items: [
              { dealId: "d1", productId: "p1", productName: "P1", quantity: 2, unitPrice: 30_000, lineAmount: 60_000 },
              { dealId: "d2", quantity: 1, unitPrice: 5_555, lineAmount: 5_555 },
            ],
            totalAmount: 65_555,
            discountAmount: 0,
            payableAmount: 65_555,
            couponClaimId: null,
            expiresAt: "2026-11-21T10:10:00.000Z",
          },
        },
      ],
    });
  });

  it("FIXED 5,000 on 30,000 → payable 25,000", () => {
    expect(amounts(spec.given([]).when(place({ coupon: coupon({ type: "FIXED", amount: 5000 }) })))).toEqual({
      totalAmount: 30_000,
      discountAmount: 5_000,
      payableAmount: 25_000,
    });
  });

  it("FIXED never discounts below zero", () => {
    const cheap = place({ sale: sale("OPEN", [3_000]), coupon: coupon({ type: "FIXED", amount: 5000 }) });
    expect(amounts(spec.given([]).when(cheap))).toEqual({ totalAmount: 3_000, discountAmount: 3_000, payableAmount: 0 });
  });

  it("PERCENT 10 on 35,555 → discount 3,555 (floored)", () => {
    const order = place({ sale: sale("OPEN", [35_555]), coupon: coupon({ type: "PERCENT", percent: 10 }) });
    expect(amounts(spec.given([]).when(order))).toEqual({ totalAmount: 35_555, discountAmount: 3_555, payableAmount: 32_000 });
  });

  it("PERCENT is capped by maxAmount", () => {
    const order = place({ coupon: coupon({ type: "PERCENT", percent: 50, maxAmount: 2_000 }) });
    expect(amounts(spec.given([]).when(order))).toEqual({ totalAmount: 30_000, discountAmount: 2_000, payableAmount: 28_000 });
  });

  it("minOrderAmount 20,000: 19,999 rejected, 20,000 accepted", () => {
    const c = coupon({ type: "FIXED", amount: 1000 }, 20_000);
    expect(spec.given([]).when(place({ sale: sale("OPEN", [19_999]), coupon: c }))).toMatchObject({ error: { code: "COUPON_NOT_USABLE" } });
    expect(amounts(spec.given([]).when(place({ sale: sale("OPEN", [20_000]), coupon: c })))).toMatchObject({ payableAmount: 19_000 });
  });

  it("refuses orders while the event is not open", () => {
    for (const status of ["SCHEDULED", "CLOSED"] as const) {
      expect(spec.given([]).when(place({ sale: sale(status) }))).toMatchObject({ error: { code: "EVENT_NOT_OPEN" } });
    }
  });

  it("refuses a line or a total above MAX_AMOUNT (400), and takes one at it", () => {
    const dear = sale("OPEN", [100_000_000, 100_000_000]);
    expect(spec.given([]).when(place({ sale: dear, lines: [{ dealId: "d1", quantity: 1_001 }] }))).toMatchObject({ error: { code: "VALIDATION_FAILED" } });
    const twoLines = [
      { dealId: "d1", quantity: 600 },
      { dealId: "d2", quantity: 500 },
    ];
    expect(spec.given([]).when(place({ sale: dear, lines: twoLines }))).toMatchObject({ error: { code: "VALIDATION_FAILED" } });
    expect(amounts(spec.given([]).when(place({ sale: dear, lines: [{ dealId: "d1", quantity: 1_000 }] })))).toMatchObject({ totalAmount: MAX_AMOUNT });
  });

  it("refuses an unknown deal with 404", () => {
    expect(spec.given([]).when(place({ lines: [{ dealId: "nope", quantity: 1 }] }))).toMatchObject({ error: { code: "NOT_FOUND" } });
  });

  const placed = (spec.given([]).when(place()) as { events: OrderEvent[] }).events;

  it("cancels a pending order once", () => {
    expect(spec.given(placed).when({ type: "CancelOrder", reason: "USER", now })).toMatchObject({
      events: [{ type: "OrderCancelled", data: { reason: "USER" } }],
    });
    const cancelled = [...placed, ...(spec.given(placed).when({ type: "CancelOrder", reason: "USER", now }) as { events: OrderEvent[] }).events];
    expect(spec.given(cancelled).when({ type: "CancelOrder", reason: "USER", now })).toMatchObject({ error: { code: "INVALID_STATE" } });
  });

  it("expires only from expiresAt, and only a pending order", () => {
    expect(spec.given(placed).when({ type: "ExpireOrder", now: new Date("2026-11-21T10:09:59.999Z") })).toEqual({ events: [] });
    const expired = spec.given(placed).when({ type: "ExpireOrder", now: new Date("2026-11-21T10:10:00.000Z") }) as { events: OrderEvent[] };
    expect(expired.events).toMatchObject([{ type: "OrderExpired" }]);
    expect(spec.given([...placed, ...expired.events]).when({ type: "ExpireOrder", now: new Date("2026-11-22T00:00:00.000Z") })).toEqual({ events: [] });
  });
});
