import { AppendOutcomeUnknownError, AppError, ConcurrencyError, FenceError, notFound, unavailable } from "@surge/platform/errors";
import type { EventStore, StreamAppend } from "@surge/platform/eventstore/types";
import type { StockGuard } from "../sales/stock-guard.js";
import { saleFenceKey } from "../sales/stock-guard.js";
import { decideCouponClaim } from "../coupons/claim.js";
import { couponClaimEventTypes, couponClaimStream } from "../coupons/claim-events.js";
import { decideOrder, evolveOrder, initialOrderState, orderDecider, type OrderCommand, type OrderState } from "./order.js";
import { OrderPlaced, orderStream, type PlacedOrder } from "./events.js";
import { saleTag } from "../sales/events.js";
import { loadClaim } from "../coupons/load-claim.js";
import { metadataFor, type CommandContext } from "@surge/platform/command/context";
import { handleStreams } from "@surge/platform/command/handle";
import { loadStream } from "@surge/platform/command/load";
import { replayOf } from "@surge/platform/command/replay";
import { bindEvents, newEvent } from "@surge/platform/events/new-event";
import type { SaleDefinitions } from "../sales/definitions.js";
import { saleIdOfDeal } from "../sales/schedule.js";

export interface OrderDeps {
  store: EventStore;
  stock: StockGuard;
  sales: SaleDefinitions;
  paymentTtlS: number;
  appendDeadlineMs: number;
}

export interface PlaceOrderInput {
  orderId: string;
  items: Array<{ dealId: string; quantity: number }>;
  couponClaimId?: string | null | undefined;
  /** Appended in the same atomic append as the order (an order from a cart empties the cart). */
  alongside?: StreamAppend[];
}

export const loadOrder = (store: EventStore, orderId: string) => loadStream(store, orderStream(orderId), orderDecider);

function eventOf(items: PlaceOrderInput["items"]): string {
  const ids = new Set(items.map((i) => saleIdOfDeal(i.dealId)));
  const [eventId] = ids;
  if (ids.size !== 1 || !eventId) {
    if (ids.has(null)) throw notFound("deal");
    throw new AppError("VALIDATION_FAILED", "All deals of an order must belong to one event.", {
      errors: [{ path: "items", message: "deals of several events" }],
    });
  }
  return eventId;
}

/**
 * Place: check the coupon and price the order (pure), reserve every line in one Lua call, then
 * append OrderPlaced and, with a coupon, CouponClaimReserved in one atomic append that expects
 * the claim's version: of five orders racing for one coupon exactly one commits.
 */
export async function placeOrder(
  deps: OrderDeps,
  input: PlaceOrderInput,
  ctx: CommandContext,
): Promise<{ order: PlacedOrder; position: number; replayed: boolean }> {
  const eventId = eventOf(input.items);
  const definition = await deps.sales.get(eventId);
  if (!definition) throw notFound("deal");
  const claim = input.couponClaimId ? await loadClaim(deps.store, input.couponClaimId) : null;
  const claimEvents = claim
    ? decideCouponClaim(claim.stream.state, { type: "ReserveClaim", issued: claim.issued, userId: ctx.userId, orderId: input.orderId, now: ctx.now })
    : [];
  const decide = (status: "OPEN" | "SCHEDULED") =>
    decideOrder(initialOrderState(), {
      type: "PlaceOrder",
      orderId: input.orderId,
      userId: ctx.userId,
      sale: { status, definition },
      lines: input.items,
      coupon: claim ? { claimId: claim.issued.claimId, definition: claim.issued.coupon } : null,
      now: ctx.now,
      paymentTtlS: deps.paymentTtlS,
    });
  // Price and check the coupon before taking stock, so a bad coupon never churns the guard.
  const [placed] = decide("OPEN");
  if (placed?.type !== "OrderPlaced") throw new Error("decider returned no OrderPlaced");

  const verdict = await deps.stock.reserve(eventId, ctx.userId, input.orderId, input.items, ctx.now);
  switch (verdict.code) {
    case "OK":
      break;
    case "EVENT_NOT_OPEN":
      throw new AppError("EVENT_NOT_OPEN", "The event is not open for orders.");
    case "SOLD_OUT":
      throw new AppError("SOLD_OUT", "Not enough stock for this deal.", { extra: { dealId: verdict.dealId, available: verdict.available } });
    case "PURCHASE_LIMIT_EXCEEDED":
      throw new AppError("PURCHASE_LIMIT_EXCEEDED", "This order would pass your limit for the deal.", {
        extra: { dealId: verdict.dealId, available: verdict.available },
      });
    case "UNKNOWN_DEAL":
      throw notFound(`deal ${verdict.dealId}`);
    case "DUPLICATE": {
      const before = await placedBefore(deps.store, input.orderId, ctx);
      if (before) return before;
      throw new AppError("CONFLICT", "This order is already being placed.");
    }
  }

  const metadata = metadataFor(ctx);
  const parts: StreamAppend[] = [
    {
      streamId: orderStream(input.orderId),
      expected: "no_stream",
      events: [newEvent(OrderPlaced, placed.data, { eventId: input.orderId, tag: saleTag(eventId), metadata })],
    },
  ];
  // The claim's version as loaded before the stock was taken: a claim reserved since then conflicts.
  if (claim)
    parts.push({
      streamId: couponClaimStream(claim.issued.claimId),
      expected: claim.stream.version,
      events: bindEvents(couponClaimEventTypes, claimEvents, { metadata }),
    });
  parts.push(...(input.alongside ?? []));
  try {
    const results = await deps.store.appendMulti(parts, {
      fence: { key: saleFenceKey(eventId), token: verdict.fence },
      notAfter: ctx.now.getTime() + deps.appendDeadlineMs,
    });
    // Not awaited, as for claims: the order is durable already, and the sweeper confirms a lost one.
    void deps.stock.confirm(eventId, input.orderId).catch(() => undefined);
    return { order: placed.data, position: Math.max(...results.map((r) => r.lastPosition)), replayed: false };
  } catch (err) {
    // The order may be in the store: its stock stays reserved until the sweeper finds out (releasing
    // it now could sell it twice). A retry with the same key answers the order if it is there.
    if (err instanceof AppendOutcomeUnknownError) throw unavailable("The order may not have been recorded; retry with the same Idempotency-Key.", err);
    // Only this request's reservation: an order already in the store answered DUPLICATE above.
    await deps.stock.release(eventId, input.orderId).catch(() => undefined);
    if (err instanceof ConcurrencyError && err.streamId.startsWith("claim-"))
      throw new AppError("COUPON_NOT_USABLE", "The coupon claim was just used by another order.");
    if (err instanceof ConcurrencyError && input.alongside?.some((p) => p.streamId === err.streamId))
      throw new AppError("CONFLICT", "The cart changed while the order was being placed; try again.");
    if (err instanceof ConcurrencyError) {
      const before = await placedBefore(deps.store, input.orderId, ctx);
      if (before) return before;
      throw new AppError("CONFLICT", "An order with this id exists.");
    }
    if (err instanceof FenceError) {
      await deps.stock.invalidate(eventId, verdict.fence).catch(() => undefined);
      throw unavailable("The stock guard was rebuilt while ordering; try again.", err);
    }
    throw unavailable("The order could not be recorded; nothing was reserved.", err);
  }
}

/**
 * The order this Idempotency-Key placed before, answered as it was then. Its X-Position is the
 * original append's last position: with a coupon, the claim's event took the next position.
 */
export async function placedBefore(store: EventStore, orderId: string, ctx: CommandContext) {
  const { events } = await loadOrder(store, orderId);
  const first = replayOf(events[0], ctx);
  if (first?.type !== "OrderPlaced") return null;
  // The stored JSON as written, not a schema parse: a byte-identical body needs the original key order.
  const order = first.data as PlacedOrder;
  return { order, position: first.position + (order.couponClaimId ? 1 : 0), replayed: true };
}

/**
 * Expiry ends an unpaid order: OrderExpired and the coupon's release are one atomic append (so
 * the coupon comes back exactly once), then the stock is released by order id. (Cancel, which may
 * also refund, is cancelOrder in payments.ts.)
 */
export async function endOrder(
  deps: Pick<OrderDeps, "store" | "stock">,
  orderId: string,
  command: Extract<OrderCommand, { type: "ExpireOrder" }>,
  ctx: CommandContext,
  owner?: { userId: string; isAdmin: boolean },
): Promise<{ state: OrderState; position: number | null }> {
  const result = await handleStreams(deps.store, async (unit) => {
    const loaded = await unit.load(orderStream(orderId), orderDecider);
    const state = loaded.state;
    if (state.status === "absent" || (owner && !owner.isAdmin && state.order.userId !== owner.userId)) throw notFound("order");
    const events = decideOrder(state, command);
    if (events.length === 0) return { state, position: null };
    const order = state.order;
    const metadata = metadataFor(ctx);
    const parts = [unit.change(loaded, events, { tag: saleTag(order.eventId), metadata })];
    if (order.couponClaimId) {
      const claim = await loadClaim(deps.store, order.couponClaimId, unit.load);
      const released = decideCouponClaim(claim.stream.state, { type: "ReleaseClaim", issued: claim.issued, orderId, now: ctx.now });
      parts.push(unit.change(claim.stream, released, { metadata }));
    }
    const { lastPosition } = await unit.append(parts);
    return { state: events.reduce(evolveOrder, state), position: lastPosition };
  });
  // Only an order that ended gives its stock back: one still unpaid (not yet due) or already paid keeps it.
  if (result.state.status === "EXPIRED" || result.state.status === "CANCELLED") await deps.stock.release(result.state.order.eventId, orderId);
  return result;
}
