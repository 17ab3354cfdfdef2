import { describe, expect, it } from "vitest";
import { MAX_AMOUNT, MAX_UNITS } from "@surge/platform/events/schemas";
import { CartItemSet } from "./cart/events.js";
import { CouponCreated } from "./coupons/coupon-events.js";
import { OrderPlaced } from "./orders/events.js";
import { EventScheduled } from "./sales/events.js";
import { WalletCharged } from "./wallet/events.js";

/**
 * The store checks every append against its type's schema, so these bounds are what keeps an
 * amount or a count that no read-model column (BIGINT money, INT counts) or JS number holds out of
 * the log: such an event is refused on write instead of poisoning the projector later.
 */
const at = "2026-11-21T10:00:00.000Z";
const item = { dealId: "e1-d1", productId: "p1", productName: "P1", quantity: 1, unitPrice: 1_000, lineAmount: 1_000 };
const order = (over: Record<string, unknown> = {}, line: Record<string, unknown> = {}) => ({
  orderId: "o1",
  userId: "u1",
  eventId: "e1",
  items: [{ ...item, ...line }],
  totalAmount: 1_000,
  discountAmount: 0,
  payableAmount: 1_000,
  couponClaimId: null,
  couponId: null,
  placedAt: at,
  expiresAt: at,
  ...over,
});
const deal = { dealId: "e1-d1", productId: "p1", productName: "P1", salePrice: 1_000, stock: 5, perUserLimit: 1 };
const sale = (over: Record<string, unknown> = {}) => ({ eventId: "e1", name: "S", opensAt: at, closesAt: null, deals: [{ ...deal, ...over }], goods: null });
const coupon = (over: Record<string, unknown> = {}) => ({
  couponId: "c1",
  name: "C",
  discount: { type: "FIXED", amount: 1_000 },
  quantity: 1,
  perUserLimit: 1,
  minOrderAmount: 0,
  claimOpensAt: at,
  claimClosesAt: null,
  validUntil: null,
  ...over,
});

describe("event schemas bound every amount and count", () => {
  it.each([
    ["an order's total", OrderPlaced.schema, order({ totalAmount: MAX_AMOUNT }), order({ totalAmount: MAX_AMOUNT + 1 })],
    ["an order line's amount", OrderPlaced.schema, order({}, { lineAmount: MAX_AMOUNT }), order({}, { lineAmount: MAX_AMOUNT + 1 })],
    ["an order line's quantity", OrderPlaced.schema, order({}, { quantity: MAX_UNITS }), order({}, { quantity: MAX_UNITS + 1 })],
    ["a deal's price", EventScheduled.schema, sale({ salePrice: MAX_AMOUNT }), sale({ salePrice: 1e19 })],
    ["a deal's stock", EventScheduled.schema, sale({ stock: MAX_UNITS }), sale({ stock: 2 ** 31 })],
    ["a coupon's minimum order", CouponCreated.schema, coupon({ minOrderAmount: MAX_AMOUNT }), coupon({ minOrderAmount: MAX_AMOUNT + 1 })],
    ["a coupon's quantity", CouponCreated.schema, coupon({ quantity: MAX_UNITS }), coupon({ quantity: MAX_UNITS + 1 })],
    [
      "a cart line's quantity",
      CartItemSet.schema,
      { userId: "u1", dealId: "e1-d1", eventId: "e1", quantity: MAX_UNITS, setAt: at },
      { userId: "u1", dealId: "e1-d1", eventId: "e1", quantity: MAX_UNITS + 1, setAt: at },
    ],
    [
      "a wallet charge",
      WalletCharged.schema,
      { userId: "u1", chargeId: "c", amount: MAX_AMOUNT, balance: MAX_AMOUNT, chargedAt: at },
      { userId: "u1", chargeId: "c", amount: MAX_AMOUNT + 1, balance: 0, chargedAt: at },
    ],
  ] as const)("%s: at the bound accepted, past it refused", (_what, schema, ok, over) => {
    expect(schema.safeParse(ok).success).toBe(true);
    expect(schema.safeParse(over).success).toBe(false);
  });
});
