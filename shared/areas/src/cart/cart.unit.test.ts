import { describe, expect, it } from "vitest";
import { specFor } from "@surge/platform/events/spec";
import { cartDecider, MAX_CART_LINES } from "./cart.js";
import type { CartEvent } from "./events.js";

const spec = specFor(cartDecider);
const now = new Date("2026-11-21T09:00:00.000Z");
const at = now.toISOString();
const set = (dealId: string, quantity: number, eventId = "e1"): CartEvent => ({
  type: "CartItemSet",
  data: { userId: "u1", dealId, eventId, quantity, setAt: "2026-11-21T08:00:00.000Z" },
});
const setItem = (dealId: string, quantity: number, eventId: string | null = "e1") => ({
  type: "SetItem" as const,
  userId: "u1",
  dealId,
  deal: eventId === null ? null : { eventId },
  quantity,
  now,
});
const checkOut = { type: "CheckOut" as const, userId: "u1", orderId: "o1", now };

describe("cart decider", () => {
  it("adds a line, and sets the quantity of one already there", () => {
    expect(spec.given([]).when(setItem("e1-d1", 2))).toEqual({
      events: [{ type: "CartItemSet", data: { userId: "u1", dealId: "e1-d1", eventId: "e1", quantity: 2, setAt: at } }],
    });
    expect(spec.given([set("e1-d1", 2)]).when(setItem("e1-d1", 5))).toMatchObject({ events: [{ type: "CartItemSet", data: { quantity: 5 } }] });
  });

  it("decides nothing when the line already has that quantity", () => {
    expect(spec.given([set("e1-d1", 2)]).when(setItem("e1-d1", 2))).toEqual({ events: [] });
  });

  it("refuses an unknown deal, a quantity outside 1–99 and a 21st line", () => {
    expect(spec.given([]).when(setItem("nope", 1, null))).toMatchObject({ error: { code: "NOT_FOUND" } });
    expect(spec.given([]).when(setItem("e1-d1", 0))).toMatchObject({ error: { code: "VALIDATION_FAILED" } });
    expect(spec.given([]).when(setItem("e1-d1", 100))).toMatchObject({ error: { code: "VALIDATION_FAILED" } });
    const full = Array.from({ length: MAX_CART_LINES }, (_, i) => set(`e1-d${i + 1}`, 1));
    expect(spec.given(full).when(setItem("e1-d99", 1))).toMatchObject({ error: { code: "VALIDATION_FAILED" } });
    // A full cart still takes a new quantity for a line it has.
    expect(spec.given(full).when(setItem("e1-d3", 4))).toMatchObject({ events: [{ type: "CartItemSet" }] });
  });

  it("removes a line that is there; removing one that is not decides nothing", () => {
    expect(spec.given([set("e1-d1", 2)]).when({ type: "RemoveItem", userId: "u1", dealId: "e1-d1", now })).toEqual({
      events: [{ type: "CartItemRemoved", data: { userId: "u1", dealId: "e1-d1", removedAt: at } }],
    });
    expect(spec.given([set("e1-d1", 2)]).when({ type: "RemoveItem", userId: "u1", dealId: "e1-d2", now })).toEqual({ events: [] });
  });

  it("checks out a cart of one sale event, and the cart is empty after", () => {
    const checkedOut: CartEvent = { type: "CartCheckedOut", data: { userId: "u1", orderId: "o1", checkedOutAt: at } };
    expect(spec.given([set("e1-d1", 2), set("e1-d2", 1)]).when(checkOut)).toEqual({ events: [checkedOut] });
    expect(spec.given([set("e1-d1", 2), checkedOut]).when(checkOut)).toMatchObject({ error: { code: "VALIDATION_FAILED", message: "The cart is empty." } });
  });

  it("refuses to check out an empty cart, lines of two sale events, or more lines than an order takes", () => {
    expect(spec.given([]).when(checkOut)).toMatchObject({ error: { code: "VALIDATION_FAILED" } });
    expect(spec.given([set("e1-d1", 1), set("e2-d1", 1, "e2")]).when(checkOut)).toMatchObject({
      error: { code: "VALIDATION_FAILED", message: "All deals of an order must belong to one event." },
    });
    const eleven = Array.from({ length: 11 }, (_, i) => set(`e1-d${i + 1}`, 1));
    expect(spec.given(eleven).when(checkOut)).toMatchObject({ error: { code: "VALIDATION_FAILED" } });
    expect(
      spec.given([set("e1-d1", 1), set("e2-d1", 1, "e2"), { type: "CartItemRemoved", data: { userId: "u1", dealId: "e2-d1", removedAt: at } }]).when(checkOut),
    ).toMatchObject({
      events: [{ type: "CartCheckedOut" }],
    });
  });
});
