import { AppError } from "@surge/platform/errors";
import { MAX_AMOUNT } from "@surge/platform/events/schemas";
import { discountFor } from "../coupons/coupon.js";
import type { CouponDefinition } from "../coupons/coupon-events.js";
import type { SaleState } from "../sales/sale.js";
import { orderEventTypes, type cancelReasons, type cardTypes, type OrderEvent, type OrderItem, type PlacedOrder } from "./events.js";

export type OrderStatus = "PENDING_PAYMENT" | "PAID" | "CANCELLED" | "EXPIRED";
export type PaymentStatus = "PENDING" | "SUCCEEDED" | "FAILED" | "REFUNDED";
export type GoodsStatus = "ALLOCATED" | "SHIPPED" | "DELIVERED";

export interface OrderPayment {
  paymentId: string;
  method: "POINTS" | "CARD";
  status: PaymentStatus;
  amount: number;
  transactionKey: string | null;
}

export interface LiveOrder {
  status: OrderStatus;
  order: PlacedOrder;
  cancelReason: (typeof cancelReasons)[number] | null;
  payment: OrderPayment | null;
  goods: { name: string; status: GoodsStatus } | null;
  paidAt: string | null;
  updatedAt: string;
}
export type OrderState = { status: "absent" } | LiveOrder;

export interface PlaceOrder {
  type: "PlaceOrder";
  orderId: string;
  userId: string;
  sale: SaleState;
  lines: Array<{ dealId: string; quantity: number }>;
  /** A coupon claim already checked usable by the claim decider. */
  coupon: { claimId: string; definition: CouponDefinition } | null;
  now: Date;
  paymentTtlS: number;
}

export type SettleOutcome = { status: "SUCCESS"; transactionKey: string | null } | { status: "DECLINED"; reason: string };

/** What the gateway says the payment is: checked against what was submitted before any outcome is taken. */
export interface GatewayReport {
  transactionKey: string;
  amount: number;
}

/** Why a card payment the gateway never received is released. */
export const SUBMISSION_LOST = "SUBMISSION_LOST";

export type OrderCommand =
  | PlaceOrder
  | {
      type: "CancelOrder";
      reason: (typeof cancelReasons)[number];
      now: Date;
      /** Compensation for this declined payment: cancel only while it is still the order's failed payment. */
      failedPaymentId?: string;
    }
  | { type: "ExpireOrder"; now: Date }
  | { type: "PayWithPoints"; paymentId: string; now: Date }
  | { type: "RequestCardPayment"; paymentId: string; card: { type: (typeof cardTypes)[number]; last4: string }; now: Date }
  | { type: "SettlePayment"; paymentId: string; outcome: SettleOutcome; report: GatewayReport; now: Date }
  | { type: "RecordSubmission"; paymentId: string; report: GatewayReport; now: Date }
  | { type: "ReleasePayment"; paymentId: string; now: Date }
  | { type: "RecordRefund"; paymentId: string; now: Date }
  | { type: "AllocateGoods"; name: string; now: Date }
  | { type: "ShipGoods"; trackingNo: string; now: Date }
  | { type: "DeliverGoods"; now: Date };

export const initialOrderState = (): OrderState => ({ status: "absent" });

const withPayment = (s: LiveOrder, status: PaymentStatus, at: string, extra: Partial<OrderPayment> = {}): LiveOrder =>
  s.payment ? { ...s, payment: { ...s.payment, status, ...extra }, updatedAt: at } : s;
const withGoods = (s: LiveOrder, status: GoodsStatus | null, at: string): LiveOrder => ({
  ...s,
  goods: status === null || !s.goods ? null : { ...s.goods, status },
  updatedAt: at,
});

export function evolveOrder(state: OrderState, event: OrderEvent): OrderState {
  if (event.type === "OrderPlaced") {
    return { status: "PENDING_PAYMENT", order: event.data, cancelReason: null, payment: null, goods: null, paidAt: null, updatedAt: event.data.placedAt };
  }
  if (state.status === "absent") return state;
  switch (event.type) {
    case "OrderCancelled":
      return { ...state, status: "CANCELLED", cancelReason: event.data.reason, updatedAt: event.data.cancelledAt };
    case "OrderExpired":
      return { ...state, status: "EXPIRED", updatedAt: event.data.expiredAt };
    case "PaymentRequested": {
      const { paymentId, method, amount, requestedAt } = event.data;
      return { ...state, payment: { paymentId, method, status: "PENDING", amount, transactionKey: null }, updatedAt: requestedAt };
    }
    case "PaymentSubmitted":
      // Not in the order view: updatedAt stays.
      return state.payment ? { ...state, payment: { ...state.payment, transactionKey: event.data.transactionKey } } : state;
    case "PaymentSucceeded":
      return withPayment(state, "SUCCEEDED", event.data.succeededAt, { transactionKey: event.data.transactionKey });
    case "PaymentFailed":
      return withPayment(state, "FAILED", event.data.failedAt);
    case "PaymentRefunded":
      return withPayment(state, "REFUNDED", event.data.refundedAt);
    case "OrderPaid":
      return { ...state, status: "PAID", paidAt: event.data.paidAt, updatedAt: event.data.paidAt };
    case "GoodsAllocated":
      return { ...state, goods: { name: event.data.name, status: "ALLOCATED" }, updatedAt: event.data.allocatedAt };
    case "GoodsReleased":
      return withGoods(state, null, event.data.releasedAt);
    case "GoodsShipped":
      return withGoods(state, "SHIPPED", event.data.shippedAt);
    case "GoodsDelivered":
      return withGoods(state, "DELIVERED", event.data.deliveredAt);
  }
}

/** Prices the lines against the sale's deals; unknown deals are 404. */
export function priceLines(sale: SaleState, lines: PlaceOrder["lines"]): OrderItem[] {
  if (sale.status === "absent") throw new AppError("NOT_FOUND", "deal not found");
  return lines.map((line) => {
    const deal = sale.definition.deals.find((d) => d.dealId === line.dealId);
    if (!deal) throw new AppError("NOT_FOUND", `deal ${line.dealId} not found`);
    return {
      dealId: deal.dealId,
      productId: deal.productId,
      productName: deal.productName,
      quantity: line.quantity,
      unitPrice: deal.salePrice,
      lineAmount: deal.salePrice * line.quantity,
    };
  });
}

/** An amount no event may carry is refused here, before any stock is taken, not by the store's schema check after. */
function assertInRange(items: OrderItem[], totalAmount: number): void {
  const errors = items.flatMap((item, i) =>
    item.lineAmount > MAX_AMOUNT ? [{ path: `items.${i}.quantity`, message: `the line's amount would pass ${MAX_AMOUNT}` }] : [],
  );
  if (errors.length === 0 && totalAmount > MAX_AMOUNT) errors.push({ path: "items", message: `the order's total would pass ${MAX_AMOUNT}` });
  if (errors.length > 0) throw new AppError("VALIDATION_FAILED", `An order's amount may not pass ${MAX_AMOUNT}.`, { errors });
}

function place(command: PlaceOrder): OrderEvent[] {
  const sale = command.sale;
  const items = priceLines(sale, command.lines);
  if (sale.status !== "OPEN") throw new AppError("EVENT_NOT_OPEN", "The event is not open for orders.");
  const totalAmount = items.reduce((n, i) => n + i.lineAmount, 0);
  assertInRange(items, totalAmount);
  const coupon = command.coupon;
  if (coupon && totalAmount < coupon.definition.minOrderAmount)
    throw new AppError("COUPON_NOT_USABLE", `The coupon needs an order of at least ${coupon.definition.minOrderAmount}.`);
  const discountAmount = coupon ? discountFor(coupon.definition.discount, totalAmount) : 0;
  return [
    {
      type: "OrderPlaced",
      data: {
        orderId: command.orderId,
        userId: command.userId,
        eventId: sale.definition.eventId,
        items,
        totalAmount,
        discountAmount,
        payableAmount: totalAmount - discountAmount,
        couponClaimId: coupon?.claimId ?? null,
        couponId: coupon?.definition.couponId ?? null,
        placedAt: command.now.toISOString(),
        expiresAt: new Date(command.now.getTime() + command.paymentTtlS * 1000).toISOString(),
      },
    },
  ];
}

/** A new payment may start only on an unpaid, unexpired order with no payment in flight. */
function assertPayable(state: LiveOrder, now: Date): void {
  if (state.status === "EXPIRED" || (state.status === "PENDING_PAYMENT" && Date.parse(state.order.expiresAt) <= now.getTime()))
    throw new AppError("ORDER_EXPIRED", "The order's payment window has passed.");
  if (state.status !== "PENDING_PAYMENT") throw new AppError("ORDER_NOT_PAYABLE", `An order in state ${state.status} cannot be paid.`);
  if (state.payment?.status === "PENDING") throw new AppError("ORDER_NOT_PAYABLE", "A payment for this order is already pending.");
}

/**
 * A gateway report names the submitted payment: the same amount and, once the gateway has accepted
 * it, the same transaction key. Anything else is another payment, or a forgery, and decides nothing.
 */
function assertSubmitted(payment: OrderPayment, report: GatewayReport): void {
  if (report.amount !== payment.amount)
    throw new AppError("PAYMENT_MISMATCH", `The gateway reports an amount of ${report.amount}; the payment was submitted for ${payment.amount}.`);
  if (payment.transactionKey !== null && report.transactionKey !== payment.transactionKey)
    throw new AppError("PAYMENT_MISMATCH", "The gateway reports another transaction key than the one it accepted the payment under.");
}

function paid(state: LiveOrder, paymentId: string, at: string): OrderEvent {
  const { orderId, eventId, userId, items, payableAmount } = state.order;
  return { type: "OrderPaid", data: { orderId, eventId, userId, paymentId, items, payableAmount, paidAt: at } };
}

export function decideOrder(state: OrderState, command: OrderCommand): OrderEvent[] {
  if (command.type === "PlaceOrder") {
    if (state.status !== "absent") throw new AppError("CONFLICT", "order already exists");
    return place(command);
  }
  if (state.status === "absent") throw new AppError("NOT_FOUND", "order not found");
  const at = command.now.toISOString();
  const ref = { orderId: state.order.orderId, eventId: state.order.eventId };
  const payment = state.payment;
  switch (command.type) {
    case "CancelOrder": {
      if (command.failedPaymentId !== undefined) {
        const stillFailed = state.status === "PENDING_PAYMENT" && payment?.paymentId === command.failedPaymentId && payment.status === "FAILED";
        if (!stillFailed) return [];
      }
      const cancelled: OrderEvent = { type: "OrderCancelled", data: { ...ref, reason: command.reason, cancelledAt: at } };
      if (state.status === "PENDING_PAYMENT") return [cancelled];
      if (state.status !== "PAID" || (state.goods && state.goods.status !== "ALLOCATED"))
        throw new AppError("INVALID_STATE", `An order in state ${state.status}${state.goods ? ` with goods ${state.goods.status}` : ""} cannot be cancelled.`);
      const events: OrderEvent[] = [cancelled];
      if (state.goods) events.push({ type: "GoodsReleased", data: { ...ref, releasedAt: at } });
      // Points come back in the same decision; a card refund goes through the gateway first.
      if (payment?.method === "POINTS")
        events.push({ type: "PaymentRefunded", data: { ...ref, paymentId: payment.paymentId, amount: payment.amount, refundedAt: at } });
      return events;
    }
    case "ExpireOrder": {
      if (state.status !== "PENDING_PAYMENT" || Date.parse(state.order.expiresAt) > command.now.getTime()) return [];
      return [{ type: "OrderExpired", data: { ...ref, expiredAt: at } }];
    }
    case "PayWithPoints": {
      assertPayable(state, command.now);
      const amount = state.order.payableAmount;
      return [
        { type: "PaymentRequested", data: { ...ref, paymentId: command.paymentId, method: "POINTS", amount, card: null, requestedAt: at } },
        { type: "PaymentSucceeded", data: { ...ref, paymentId: command.paymentId, amount, transactionKey: null, succeededAt: at } },
        paid(state, command.paymentId, at),
      ];
    }
    case "RequestCardPayment": {
      assertPayable(state, command.now);
      return [
        {
          type: "PaymentRequested",
          data: { ...ref, paymentId: command.paymentId, method: "CARD", amount: state.order.payableAmount, card: command.card, requestedAt: at },
        },
      ];
    }
    case "SettlePayment": {
      if (!payment || payment.paymentId !== command.paymentId || payment.method !== "CARD") return [];
      assertSubmitted(payment, command.report);
      // Final states never move: repeated or late gateway news decides nothing.
      if (payment.status !== "PENDING") return [];
      // The outcome names the key the gateway accepted the payment under, if the submitter did not record it first.
      const submitted: OrderEvent[] =
        payment.transactionKey === null
          ? [{ type: "PaymentSubmitted", data: { ...ref, paymentId: payment.paymentId, transactionKey: command.report.transactionKey, submittedAt: at } }]
          : [];
      if (command.outcome.status === "DECLINED")
        return [...submitted, { type: "PaymentFailed", data: { ...ref, paymentId: payment.paymentId, reason: command.outcome.reason, failedAt: at } }];
      const succeeded: OrderEvent = {
        type: "PaymentSucceeded",
        data: { ...ref, paymentId: payment.paymentId, amount: payment.amount, transactionKey: command.report.transactionKey, succeededAt: at },
      };
      // Paid only while still payable; a success after expiry or cancel is refunded by the refund process.
      return state.status === "PENDING_PAYMENT" ? [...submitted, succeeded, paid(state, payment.paymentId, at)] : [...submitted, succeeded];
    }
    case "RecordSubmission": {
      if (!payment || payment.paymentId !== command.paymentId || payment.method !== "CARD") return [];
      assertSubmitted(payment, command.report);
      if (payment.transactionKey !== null || payment.status !== "PENDING") return [];
      return [{ type: "PaymentSubmitted", data: { ...ref, paymentId: payment.paymentId, transactionKey: command.report.transactionKey, submittedAt: at } }];
    }
    case "ReleasePayment": {
      // Only a payment the gateway never accepted: one it holds a key for may still be charged.
      if (!payment || payment.paymentId !== command.paymentId || payment.status !== "PENDING" || payment.transactionKey !== null) return [];
      return [{ type: "PaymentFailed", data: { ...ref, paymentId: payment.paymentId, reason: SUBMISSION_LOST, failedAt: at } }];
    }
    case "RecordRefund": {
      if (!payment || payment.paymentId !== command.paymentId || payment.status !== "SUCCEEDED") return [];
      return [{ type: "PaymentRefunded", data: { ...ref, paymentId: payment.paymentId, amount: payment.amount, refundedAt: at } }];
    }
    case "AllocateGoods": {
      if (state.status !== "PAID" || state.goods) return [];
      return [{ type: "GoodsAllocated", data: { ...ref, name: command.name, allocatedAt: at } }];
    }
    case "ShipGoods": {
      if (state.status !== "PAID" || state.goods?.status !== "ALLOCATED")
        throw new AppError("INVALID_STATE", "Only allocated goods of a paid order can be shipped.");
      return [{ type: "GoodsShipped", data: { ...ref, trackingNo: command.trackingNo, shippedAt: at } }];
    }
    case "DeliverGoods": {
      if (state.status !== "PAID" || state.goods?.status !== "SHIPPED") throw new AppError("INVALID_STATE", "Only shipped goods can be delivered.");
      return [{ type: "GoodsDelivered", data: { ...ref, deliveredAt: at } }];
    }
  }
}

/** Whether a successful card payment must go back: the order ended without being paid by it, or was cancelled after. */
export const needsCardRefund = (s: OrderState): boolean =>
  s.status !== "absent" && s.payment?.method === "CARD" && s.payment.status === "SUCCEEDED" && (s.status === "CANCELLED" || s.status === "EXPIRED");

export const orderDecider = { types: orderEventTypes, initialState: initialOrderState, evolve: evolveOrder, decide: decideOrder };
