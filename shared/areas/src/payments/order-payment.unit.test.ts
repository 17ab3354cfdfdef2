import { describe, expect, it } from "vitest";
import { specFor } from "@surge/platform/events/spec";
import { needsCardRefund, orderDecider, type OrderCommand } from "../orders/order.js";
import type { OrderEvent } from "../orders/events.js";

const spec = specFor(orderDecider);
const now = new Date("2026-11-21T10:01:00.000Z");
const ref = { orderId: "o1", eventId: "e1" };
const items = [{ dealId: "e1-d1", productId: "p1", productName: "P", quantity: 1, unitPrice: 30_000, lineAmount: 30_000 }];
const placed: OrderEvent = {
  type: "OrderPlaced",
  data: {
    ...ref,
    userId: "u1",
    items,
    totalAmount: 30_000,
    discountAmount: 0,
    payableAmount: 30_000,
    couponClaimId: null,
    couponId: null,
    placedAt: "2026-11-21T10:00:00.000Z",
    expiresAt: "2026-11-21T10:10:00.000Z",
  },
};
const card = { type: "KB" as const, last4: "3456" };
const requested = (method: "POINTS" | "CARD"): OrderEvent => ({
  type: "PaymentRequested",
  data: { ...ref, paymentId: "p1", method, amount: 30_000, card: method === "CARD" ? card : null, requestedAt: now.toISOString() },
});
const succeeded: OrderEvent = {
  type: "PaymentSucceeded",
  data: { ...ref, paymentId: "p1", amount: 30_000, transactionKey: "tx1", succeededAt: now.toISOString() },
};
const orderPaid: OrderEvent = { type: "OrderPaid", data: { ...ref, userId: "u1", paymentId: "p1", items, payableAmount: 30_000, paidAt: now.toISOString() } };
const goods: OrderEvent = { type: "GoodsAllocated", data: { ...ref, name: "Tote", allocatedAt: now.toISOString() } };
const settle = (
  outcome: Extract<OrderCommand, { type: "SettlePayment" }>["outcome"],
  paymentId = "p1",
  report = { transactionKey: "tx1", amount: 30_000 },
): OrderCommand => ({
  type: "SettlePayment",
  paymentId,
  outcome,
  report,
  now,
});
const submitted: OrderEvent = { type: "PaymentSubmitted", data: { ...ref, paymentId: "p1", transactionKey: "tx1", submittedAt: now.toISOString() } };
const cancel: OrderCommand = { type: "CancelOrder", reason: "USER", now };
const types = (o: ReturnType<ReturnType<typeof spec.given>["when"]>) => ("events" in o ? o.events.map((e) => e.type) : o.error.code);

describe("order payments", () => {
  it("POINTS pays at once", () => {
    expect(types(spec.given([placed]).when({ type: "PayWithPoints", paymentId: "p1", now }))).toEqual(["PaymentRequested", "PaymentSucceeded", "OrderPaid"]);
  });

  it("refuses a second payment while one is pending, a paid order, and an expired one", () => {
    expect(types(spec.given([placed, requested("CARD")]).when({ type: "PayWithPoints", paymentId: "p2", now }))).toBe("ORDER_NOT_PAYABLE");
    expect(types(spec.given([placed, requested("POINTS"), succeeded, orderPaid]).when({ type: "RequestCardPayment", paymentId: "p2", card, now }))).toBe(
      "ORDER_NOT_PAYABLE",
    );
    expect(types(spec.given([placed]).when({ type: "PayWithPoints", paymentId: "p1", now: new Date("2026-11-21T10:10:00.000Z") }))).toBe("ORDER_EXPIRED");
  });

  it("a card success pays the order; a decline fails the payment", () => {
    expect(types(spec.given([placed, requested("CARD"), submitted]).when(settle({ status: "SUCCESS", transactionKey: "tx1" })))).toEqual([
      "PaymentSucceeded",
      "OrderPaid",
    ]);
    expect(types(spec.given([placed, requested("CARD"), submitted]).when(settle({ status: "DECLINED", reason: "LIMIT_EXCEEDED" })))).toEqual(["PaymentFailed"]);
  });

  it("an outcome that comes before the submitter recorded the gateway's key records it first", () => {
    expect(types(spec.given([placed, requested("CARD")]).when(settle({ status: "SUCCESS", transactionKey: "tx1" })))).toEqual([
      "PaymentSubmitted",
      "PaymentSucceeded",
      "OrderPaid",
    ]);
  });

  it("gateway news with another amount or transaction key than the submitted payment's is refused", () => {
    const success = { status: "SUCCESS" as const, transactionKey: "tx1" };
    expect(types(spec.given([placed, requested("CARD")]).when(settle(success, "p1", { transactionKey: "tx1", amount: 1 })))).toBe("PAYMENT_MISMATCH");
    expect(types(spec.given([placed, requested("CARD"), submitted]).when(settle(success, "p1", { transactionKey: "tx2", amount: 30_000 })))).toBe(
      "PAYMENT_MISMATCH",
    );
    const declined = { status: "DECLINED" as const, reason: "INVALID_CARD" };
    expect(types(spec.given([placed, requested("CARD"), submitted]).when(settle(declined, "p1", { transactionKey: "tx2", amount: 30_000 })))).toBe(
      "PAYMENT_MISMATCH",
    );
    const record = (transactionKey: string, amount: number): OrderCommand => ({
      type: "RecordSubmission",
      paymentId: "p1",
      report: { transactionKey, amount },
      now,
    });
    expect(types(spec.given([placed, requested("CARD"), submitted]).when(record("tx2", 30_000)))).toBe("PAYMENT_MISMATCH");
    expect(types(spec.given([placed, requested("CARD")]).when(record("tx1", 29_999)))).toBe("PAYMENT_MISMATCH");
    expect(types(spec.given([placed, requested("CARD")]).when(record("tx1", 30_000)))).toEqual(["PaymentSubmitted"]);
    expect(types(spec.given([placed, requested("CARD"), submitted]).when(record("tx1", 30_000)))).toEqual([]);
  });

  it("only a payment the gateway never accepted is released", () => {
    const release: OrderCommand = { type: "ReleasePayment", paymentId: "p1", now };
    const released = spec.given([placed, requested("CARD")]).when(release);
    expect(types(released)).toEqual(["PaymentFailed"]);
    expect((released as { events: OrderEvent[] }).events[0]!.data).toMatchObject({ reason: "SUBMISSION_LOST" });
    expect(types(spec.given([placed, requested("CARD"), submitted]).when(release))).toEqual([]);
    expect(types(spec.given([placed, requested("CARD"), submitted, succeeded, orderPaid]).when(release))).toEqual([]);
  });

  it("repeated, late or foreign gateway news changes nothing", () => {
    const paidByCard = [placed, requested("CARD"), submitted, succeeded, orderPaid];
    expect(types(spec.given(paidByCard).when(settle({ status: "SUCCESS", transactionKey: "tx1" })))).toEqual([]);
    expect(types(spec.given(paidByCard).when(settle({ status: "DECLINED", reason: "X" })))).toEqual([]);
    expect(types(spec.given([placed, requested("CARD")]).when(settle({ status: "SUCCESS", transactionKey: "t" }, "other")))).toEqual([]);
  });

  it("a success after expiry is recorded but does not pay the order, and needs a refund", () => {
    const expired: OrderEvent = { type: "OrderExpired", data: { ...ref, expiredAt: now.toISOString() } };
    const outcome = spec.given([placed, requested("CARD"), submitted, expired]).when(settle({ status: "SUCCESS", transactionKey: "tx1" }));
    expect(types(outcome)).toEqual(["PaymentSucceeded"]);
    const after = [placed, requested("CARD"), submitted, expired, ...(outcome as { events: OrderEvent[] }).events].reduce(
      orderDecider.evolve,
      orderDecider.initialState(),
    );
    expect(needsCardRefund(after)).toBe(true);
    expect(types(spec.given([placed, requested("CARD"), expired, succeeded]).when({ type: "RecordRefund", paymentId: "p1", now }))).toEqual([
      "PaymentRefunded",
    ]);
  });

  it("cancel of a paid order: points refunded at once, goods returned; shipped goods block it", () => {
    const paidByPoints = [placed, requested("POINTS"), succeeded, orderPaid, goods];
    expect(types(spec.given(paidByPoints).when(cancel))).toEqual(["OrderCancelled", "GoodsReleased", "PaymentRefunded"]);
    expect(types(spec.given([placed, requested("CARD"), succeeded, orderPaid]).when(cancel))).toEqual(["OrderCancelled"]);
    const shipped: OrderEvent = { type: "GoodsShipped", data: { ...ref, trackingNo: "T1", shippedAt: now.toISOString() } };
    expect(types(spec.given([...paidByPoints, shipped]).when(cancel))).toBe("INVALID_STATE");
  });

  it("compensation cancels only while the failed payment is still the order's payment", () => {
    const failed: OrderEvent = { type: "PaymentFailed", data: { ...ref, paymentId: "p1", reason: "LIMIT_EXCEEDED", failedAt: now.toISOString() } };
    const compensate: OrderCommand = { type: "CancelOrder", reason: "PAYMENT_FAILED", now, failedPaymentId: "p1" };
    expect(types(spec.given([placed, requested("CARD"), failed]).when(compensate))).toEqual(["OrderCancelled"]);
    const repaid: OrderEvent = {
      type: "PaymentRequested",
      data: { ...ref, paymentId: "p2", method: "POINTS", amount: 30_000, card: null, requestedAt: now.toISOString() },
    };
    expect(types(spec.given([placed, requested("CARD"), failed, repaid]).when(compensate))).toEqual([]);
  });

  it("goods: allocated once to a paid order, then shipped, then delivered", () => {
    const paid = [placed, requested("POINTS"), succeeded, orderPaid];
    expect(types(spec.given(paid).when({ type: "AllocateGoods", name: "Tote", now }))).toEqual(["GoodsAllocated"]);
    expect(types(spec.given([...paid, goods]).when({ type: "AllocateGoods", name: "Tote", now }))).toEqual([]);
    expect(types(spec.given([placed]).when({ type: "AllocateGoods", name: "Tote", now }))).toEqual([]);
    expect(types(spec.given([...paid, goods]).when({ type: "DeliverGoods", now }))).toBe("INVALID_STATE");
    expect(types(spec.given([...paid, goods]).when({ type: "ShipGoods", trackingNo: "T1", now }))).toEqual(["GoodsShipped"]);
  });
});
