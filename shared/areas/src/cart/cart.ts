import { AppError, notFound } from "@surge/platform/errors";
import type { CartEvent } from "./events.js";

/** Contract: at most 20 lines, each 1–99 units. An order takes at most 10 lines (as `items`). */
export const MAX_CART_LINES = 20;
export const MAX_LINE_QUANTITY = 99;
export const MAX_ORDER_LINES = 10;

export interface CartLine {
  dealId: string;
  eventId: string;
  quantity: number;
}

/** Lines in the order they were first added; `updatedAt` is the last event's instant (null: never used). */
export interface CartState {
  lines: CartLine[];
  updatedAt: string | null;
}

export type CartCommand =
  /** `deal` null: no sale has this deal. */
  | { type: "SetItem"; userId: string; dealId: string; deal: { eventId: string } | null; quantity: number; now: Date }
  | { type: "RemoveItem"; userId: string; dealId: string; now: Date }
  | { type: "CheckOut"; userId: string; orderId: string; now: Date };

export const initialCartState = (): CartState => ({ lines: [], updatedAt: null });

export function evolveCart(state: CartState, event: CartEvent): CartState {
  switch (event.type) {
    case "CartItemSet": {
      const { dealId, eventId, quantity, setAt } = event.data;
      const at = state.lines.findIndex((l) => l.dealId === dealId);
      const lines = at < 0 ? [...state.lines, { dealId, eventId, quantity }] : state.lines.map((l, i) => (i === at ? { ...l, quantity } : l));
      return { lines, updatedAt: setAt };
    }
    case "CartItemRemoved":
      return { lines: state.lines.filter((l) => l.dealId !== event.data.dealId), updatedAt: event.data.removedAt };
    case "CartCheckedOut":
      return { lines: [], updatedAt: event.data.checkedOutAt };
  }
}

const invalid = (path: string, message: string, detail: string) => new AppError("VALIDATION_FAILED", detail, { errors: [{ path, message }] });

/**
 * A cart holds no stock: it only remembers deals and quantities. Setting a line to what it is, or
 * removing a line that is not there, decides nothing. Checking out applies the order's own line
 * rules (one sale event, at most 10 lines) before any stock is asked for.
 */
export function decideCart(state: CartState, command: CartCommand): CartEvent[] {
  const at = command.now.toISOString();
  switch (command.type) {
    case "SetItem": {
      if (!command.deal) throw notFound("deal");
      if (!Number.isInteger(command.quantity) || command.quantity < 1 || command.quantity > MAX_LINE_QUANTITY)
        throw invalid("quantity", `must be 1–${MAX_LINE_QUANTITY}`, "The quantity is out of range.");
      const line = state.lines.find((l) => l.dealId === command.dealId);
      if (line?.quantity === command.quantity) return [];
      if (!line && state.lines.length >= MAX_CART_LINES) throw invalid("dealId", `the cart holds at most ${MAX_CART_LINES} lines`, "The cart is full.");
      return [
        { type: "CartItemSet", data: { userId: command.userId, dealId: command.dealId, eventId: command.deal.eventId, quantity: command.quantity, setAt: at } },
      ];
    }
    case "RemoveItem": {
      if (!state.lines.some((l) => l.dealId === command.dealId)) return [];
      return [{ type: "CartItemRemoved", data: { userId: command.userId, dealId: command.dealId, removedAt: at } }];
    }
    case "CheckOut": {
      if (state.lines.length === 0) throw invalid("fromCart", "the cart is empty", "The cart is empty.");
      if (new Set(state.lines.map((l) => l.eventId)).size > 1)
        throw invalid("fromCart", "the cart holds deals of several sale events", "All deals of an order must belong to one event.");
      if (state.lines.length > MAX_ORDER_LINES)
        throw invalid(
          "fromCart",
          `an order holds at most ${MAX_ORDER_LINES} lines`,
          `An order holds at most ${MAX_ORDER_LINES} lines; remove some from the cart.`,
        );
      return [{ type: "CartCheckedOut", data: { userId: command.userId, orderId: command.orderId, checkedOutAt: at } }];
    }
  }
}

export const cartDecider = { initialState: initialCartState, evolve: evolveCart, decide: decideCart };
