import { notFound } from "@surge/platform/errors";
import type { EventStore, NewEvent, StoredEvent, StreamAppend } from "@surge/platform/eventstore/types";
import type { StockGuard } from "../sales/stock-guard.js";
import { decideCouponClaim } from "../coupons/claim.js";
import { decideOrder, evolveOrder, initialOrderState, orderDecider, type LiveOrder, type OrderCommand, type OrderState } from "../orders/order.js";
import { orderEventTypes, orderStream } from "../orders/events.js";
import { parseEvent } from "@surge/platform/events/event-type";
import { decideWallet, walletDecider } from "../wallet/wallet.js";
import { walletStream } from "../wallet/events.js";
import { saleTag } from "../sales/events.js";
import type { OrderEvent } from "../orders/events.js";
import { loadClaim } from "../coupons/load-claim.js";
import { metadataFor, type CommandContext } from "@surge/platform/command/context";
import type { KeyedQueue } from "@surge/platform/command/keyed-queue";
import { handleStreams, type CommandUnit } from "@surge/platform/command/handle";
import { loaderOf, type StreamLoader } from "@surge/platform/command/load";
import { appendEndPosition, replayOf } from "@surge/platform/command/replay";

export interface PaymentDeps {
  store: EventStore;
  stock: StockGuard;
  wallets: KeyedQueue;
}

export interface Owner {
  userId: string;
  isAdmin: boolean;
}

export interface PaymentView {
  paymentId: string;
  orderId: string;
  method: "POINTS" | "CARD";
  status: "PENDING" | "SUCCEEDED" | "FAILED" | "REFUNDED";
  amount: number;
}

async function loadOwned(load: StreamLoader, orderId: string, owner?: Owner) {
  const stream = await load(orderStream(orderId), orderDecider);
  const s = stream.state;
  if (s.status === "absent" || (owner && !owner.isAdmin && s.order.userId !== owner.userId)) throw notFound("order");
  return { stream, state: s };
}
type OwnedOrder = Awaited<ReturnType<typeof loadOwned>>;

/**
 * The payment this Idempotency-Key started before, answered as it was then: points settle in the
 * same append (SUCCEEDED), a card request is PENDING until the gateway answers.
 */
function paymentBefore(events: StoredEvent[], orderId: string, paymentId: string, ctx: CommandContext) {
  const requested = replayOf(
    events.find((e) => e.type === "PaymentRequested" && (e.data as { paymentId: string }).paymentId === paymentId),
    ctx,
  );
  if (!requested) return null;
  const { method, amount } = requested.data as { method: PaymentView["method"]; amount: number };
  const payment: PaymentView = { paymentId, orderId, method, status: method === "POINTS" ? "SUCCEEDED" : "PENDING", amount };
  // The order's own events of that request (the read model of the order is then up to date).
  const position = Math.max(...events.filter((e) => e.metadata.correlationId === requested.metadata.correlationId).map((e) => e.position));
  return { payment, position, replayed: true as const };
}

/** The part with its first event's id set (a keyed command's event, found again by that id). */
function withFirstEventId(part: StreamAppend | null, eventId: string | undefined): StreamAppend | null {
  if (part && eventId !== undefined) (part.events as NewEvent[])[0] = { ...part.events[0]!, eventId };
  return part;
}

const orderPart = (unit: CommandUnit, order: OwnedOrder, events: OrderEvent[], ctx: CommandContext) =>
  unit.change(order.stream, events, { tag: saleTag(order.state.order.eventId), metadata: metadataFor(ctx) });

/** The claim moves with the order: used when it is paid, back to AVAILABLE when a paid order is cancelled. */
async function claimPart(
  unit: CommandUnit,
  store: EventStore,
  s: LiveOrder,
  command: "UseClaim" | "ReleaseClaim",
  ctx: CommandContext,
): Promise<StreamAppend | null> {
  const claimId = s.order.couponClaimId;
  if (!claimId) return null;
  const claim = await loadClaim(store, claimId, unit.load);
  const events = decideCouponClaim(claim.stream.state, { type: command, issued: claim.issued, orderId: s.order.orderId, now: ctx.now });
  return unit.change(claim.stream, events, { metadata: metadataFor(ctx) });
}

const viewOf = (s: OrderState): PaymentView => {
  if (s.status === "absent" || !s.payment) throw new Error("order without payment");
  const { paymentId, method, status, amount } = s.payment;
  return { paymentId, orderId: s.order.orderId, method, status, amount };
};

/**
 * POINTS: the order's payment events, the wallet debit and the coupon's use are one atomic
 * append, each part expecting its stream's version, so there is nothing to compensate.
 */
export async function payWithPoints(deps: PaymentDeps, orderId: string, paymentId: string, ctx: CommandContext, owner: Owner) {
  const { state: first } = await loadOwned(loaderOf(deps.store), orderId, owner);
  const payer = first.order.userId;
  return deps.wallets.run(payer, () =>
    handleStreams(deps.store, async (unit) => {
      const order = await loadOwned(unit.load, orderId, owner);
      const state = order.state;
      const before = paymentBefore(order.stream.events, orderId, paymentId, ctx);
      if (before) return before;
      const events = decideOrder(state, { type: "PayWithPoints", paymentId, now: ctx.now });
      const wallet = await unit.load(walletStream(payer), walletDecider);
      const debit = decideWallet(wallet.state, { type: "DebitPoints", userId: payer, orderId, paymentId, amount: state.order.payableAmount, now: ctx.now });
      const parts = [
        orderPart(unit, order, events, ctx),
        await claimPart(unit, deps.store, state, "UseClaim", ctx),
        unit.change(wallet, debit, { metadata: metadataFor(ctx) }),
      ];
      const { lastPosition } = await unit.append(parts);
      return { payment: viewOf(events.reduce(evolveOrder, state as OrderState)), position: lastPosition, replayed: false };
    }),
  );
}

/** CARD: record the request (one pending payment per order, by expected version); the gateway decides later. */
export async function requestCardPayment(
  deps: PaymentDeps,
  orderId: string,
  paymentId: string,
  card: { type: "SAMSUNG" | "KB" | "HYUNDAI"; number: string },
  ctx: CommandContext,
  owner: Owner,
) {
  return handleStreams(deps.store, async (unit) => {
    const order = await loadOwned(unit.load, orderId, owner);
    const state = order.state;
    const before = paymentBefore(order.stream.events, orderId, paymentId, ctx);
    if (before) return { ...before, order: state.order };
    const events = decideOrder(state, { type: "RequestCardPayment", paymentId, card: { type: card.type, last4: card.number.slice(-4) }, now: ctx.now });
    const { lastPosition } = await unit.append([orderPart(unit, order, events, ctx)]);
    return { payment: viewOf(events.reduce(evolveOrder, state as OrderState)), order: state.order, position: lastPosition, replayed: false };
  });
}

/**
 * Runs an order command that needs no other stream but the coupon claim: gateway verdicts,
 * refunds recorded, goods steps. Final states never move, so repeated and out-of-order callbacks
 * and the settle job's answers decide nothing. A decline only records PaymentFailed; the
 * compensation (cancel, stock and coupon back) belongs to the process manager reacting to it.
 * Whenever an order becomes paid its coupon claim becomes used, in the same append.
 */
export async function applyOrderCommand(
  deps: Pick<PaymentDeps, "store">,
  orderId: string,
  command: Extract<
    OrderCommand,
    { type: "SettlePayment" | "RecordSubmission" | "ReleasePayment" | "RecordRefund" | "AllocateGoods" | "ShipGoods" | "DeliverGoods" }
  >,
  ctx: CommandContext,
) {
  return handleStreams(deps.store, async (unit) => {
    const order = await loadOwned(unit.load, orderId);
    const state = order.state;
    const events = decideOrder(state, command);
    if (events.length === 0) return { state: state, changed: false, position: null };
    const parts = [orderPart(unit, order, events, ctx)];
    if (events.some((e) => e.type === "OrderPaid")) parts.push(await claimPart(unit, deps.store, state, "UseClaim", ctx));
    const { lastPosition } = await unit.append(parts);
    return { state: events.reduce(evolveOrder, state as OrderState) as LiveOrder, changed: true, position: lastPosition };
  });
}

/**
 * The cancel this Idempotency-Key made before (its OrderCancelled carries the id derived from the
 * key), answered as it was then: the order as of that append, whatever happened to it since.
 */
async function cancelledBefore(store: EventStore, events: StoredEvent[], cancelId: string, ctx: CommandContext) {
  const at = events.findIndex((e) => e.eventId === cancelId);
  const cancelled = replayOf(events[at], ctx);
  if (!cancelled) return null;
  const end = await appendEndPosition(store, cancelled);
  const state = events
    .filter((e) => e.position <= end)
    .map((e) => parseEvent(orderEventTypes, e))
    .reduce((s, e) => (e ? evolveOrder(s, e) : s), initialOrderState());
  return { state: state as LiveOrder, position: end, replayed: true };
}

interface Cancelled {
  state: LiveOrder;
  position: number | null;
  replayed?: boolean;
}

/**
 * Cancels any cancellable order. Unpaid: as endOrder. Paid (goods not shipped): the order, the
 * coupon's return and, for points, the wallet refund are one atomic append; a card refund goes
 * through the gateway afterwards (the refund process manager). Stock and the goods unit are
 * released by order id, idempotently. A keyed request passes `cancelId`, derived from its key: its
 * OrderCancelled gets that id, so a retry after Redis lost the key's record is answered from the
 * store instead of 409 INVALID_STATE.
 */
export async function cancelOrder(
  deps: PaymentDeps,
  orderId: string,
  reason: "USER" | "ADMIN" | "PAYMENT_FAILED",
  ctx: CommandContext,
  owner?: Owner,
  failedPaymentId?: string,
  cancelId?: string,
): Promise<Cancelled> {
  const { state: first } = await loadOwned(loaderOf(deps.store), orderId, owner);
  const result = await deps.wallets.run(first.order.userId, () =>
    handleStreams(deps.store, async (unit): Promise<Cancelled> => {
      const order = await loadOwned(unit.load, orderId, owner);
      const state = order.state;
      const before = cancelId === undefined ? null : await cancelledBefore(deps.store, order.stream.events, cancelId, ctx);
      if (before) return before;
      const events = decideOrder(state, { type: "CancelOrder", reason, now: ctx.now, ...(failedPaymentId ? { failedPaymentId } : {}) });
      if (events.length === 0) return { state, position: null };
      const parts = [withFirstEventId(orderPart(unit, order, events, ctx), cancelId), await claimPart(unit, deps.store, state, "ReleaseClaim", ctx)];
      const refunded = events.find((e) => e.type === "PaymentRefunded");
      if (refunded) {
        const wallet = await unit.load(walletStream(state.order.userId), walletDecider);
        const refund = decideWallet(wallet.state, {
          type: "RefundPoints",
          userId: state.order.userId,
          orderId,
          paymentId: refunded.data.paymentId,
          amount: refunded.data.amount,
          now: ctx.now,
        });
        parts.push(unit.change(wallet, refund, { metadata: metadataFor(ctx) }));
      }
      const { lastPosition } = await unit.append(parts);
      return { state: events.reduce(evolveOrder, state as OrderState) as LiveOrder, position: lastPosition };
    }),
  );
  // Idempotent by order id, and only for an order that really ended (a guarded compensation may decide nothing).
  if (result.state.status === "CANCELLED" && !result.replayed) {
    await deps.stock.release(result.state.order.eventId, orderId);
    await deps.stock.releaseGoods(result.state.order.eventId, orderId);
  }
  return result;
}
