import { AppError } from "../../errors/index.js";
import { discountFor } from "../coupon/decide.js";
import type { CouponDefinition } from "../coupon/events.js";
import type { SaleEventState } from "../sale-event/decide.js";
import type { OrderEvent, OrderItem, PlacedOrder, cancelReasons } from "./events.js";

export type OrderStatus = "PENDING_PAYMENT" | "PAID" | "CANCELLED" | "EXPIRED";
export type OrderState =
  | { status: "absent" }
  | { status: OrderStatus; order: PlacedOrder; cancelReason: (typeof cancelReasons)[number] | null; updatedAt: string };

export interface PlaceOrder {
  type: "PlaceOrder";
  orderId: string;
  userId: string;
  sale: SaleEventState;
  lines: Array<{ dealId: string; quantity: number }>;
  /** A coupon claim already checked usable by the claim decider. */
  coupon: { claimId: string; definition: CouponDefinition } | null;
  now: Date;
  paymentTtlS: number;
}

export type OrderCommand =
  | PlaceOrder
  | { type: "CancelOrder"; reason: (typeof cancelReasons)[number]; now: Date }
  | { type: "ExpireOrder"; now: Date };

export const initialOrderState = (): OrderState => ({ status: "absent" });

export function evolveOrder(state: OrderState, event: OrderEvent): OrderState {
  switch (event.type) {
    case "OrderPlaced":
      return { status: "PENDING_PAYMENT", order: event.data, cancelReason: null, updatedAt: event.data.placedAt };
    case "OrderCancelled":
      return state.status === "absent" ? state : { ...state, status: "CANCELLED", cancelReason: event.data.reason, updatedAt: event.data.cancelledAt };
    case "OrderExpired":
      return state.status === "absent" ? state : { ...state, status: "EXPIRED", updatedAt: event.data.expiredAt };
  }
}

/** Prices the lines against the sale's deals; unknown deals are 404, mixing events is impossible by construction. */
export function priceLines(sale: SaleEventState, lines: PlaceOrder["lines"]): OrderItem[] {
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

export function decideOrder(state: OrderState, command: OrderCommand): OrderEvent[] {
  switch (command.type) {
    case "PlaceOrder": {
      if (state.status !== "absent") throw new AppError("CONFLICT", "order already exists");
      const sale = command.sale;
      const items = priceLines(sale, command.lines);
      if (sale.status !== "OPEN") throw new AppError("EVENT_NOT_OPEN", "The event is not open for orders.");
      const totalAmount = items.reduce((n, i) => n + i.lineAmount, 0);
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
    case "CancelOrder": {
      if (state.status === "absent") throw new AppError("NOT_FOUND", "order not found");
      if (state.status !== "PENDING_PAYMENT") throw new AppError("INVALID_STATE", `An order in state ${state.status} cannot be cancelled.`);
      const { orderId, eventId } = state.order;
      return [{ type: "OrderCancelled", data: { orderId, eventId, reason: command.reason, cancelledAt: command.now.toISOString() } }];
    }
    case "ExpireOrder": {
      if (state.status !== "PENDING_PAYMENT") return [];
      if (Date.parse(state.order.expiresAt) > command.now.getTime()) return [];
      const { orderId, eventId } = state.order;
      return [{ type: "OrderExpired", data: { orderId, eventId, expiredAt: command.now.toISOString() } }];
    }
  }
}

export const orderDecider = { initialState: initialOrderState, evolve: evolveOrder, decide: decideOrder };
