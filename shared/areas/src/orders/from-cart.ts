import type { StoredEvent } from "@surge/platform/eventstore/types";
import { metadataFor, type CommandContext } from "@surge/platform/command/context";
import { decideCart } from "../cart/cart.js";
import { cartEventTypes, cartStream } from "../cart/events.js";
import { bindEvents } from "@surge/platform/events/new-event";
import { loadCart } from "../cart/commands.js";
import { placeOrder, placedBefore, type OrderDeps } from "./place.js";

/** The position of the cart's CartCheckedOut for this order: the last event its append wrote. */
const checkoutOf = (cartEvents: StoredEvent[], orderId: string) =>
  cartEvents.find((e) => e.type === "CartCheckedOut" && (e.data as { orderId?: unknown }).orderId === orderId)?.position ?? 0;

/**
 * POST /orders {"fromCart": true}: the cart's lines become the order's items, and the order takes
 * the path of any order (coupon check, all-or-nothing reservation, one atomic append); the cart's
 * CartCheckedOut goes into that same append, expecting the cart's version, so the order and the
 * emptied cart commit together or not at all. A repeat of the request after its cart was emptied
 * answers the order it placed (the Idempotency-Key record, or the store when Redis lost it).
 */
export async function placeOrderFromCart(deps: OrderDeps, input: { orderId: string; couponClaimId?: string | null | undefined }, ctx: CommandContext) {
  const cart = await loadCart(deps.store, ctx.userId);
  if (cart.state.lines.length === 0) {
    const before = await placedBefore(deps.store, input.orderId, ctx);
    if (before) return { ...before, position: Math.max(before.position, checkoutOf(cart.events, input.orderId)) };
  }
  const checkedOut = decideCart(cart.state, { type: "CheckOut", userId: ctx.userId, orderId: input.orderId, now: ctx.now });
  const items = cart.state.lines.map(({ dealId, quantity }) => ({ dealId, quantity }));
  const alongside = [
    { streamId: cartStream(ctx.userId), expected: cart.version, events: bindEvents(cartEventTypes, checkedOut, { metadata: metadataFor(ctx) }) },
  ];
  const placed = await placeOrder(deps, { orderId: input.orderId, items, couponClaimId: input.couponClaimId, alongside }, ctx);
  return placed.replayed ? { ...placed, position: Math.max(placed.position, checkoutOf(cart.events, input.orderId)) } : placed;
}
