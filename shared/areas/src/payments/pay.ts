import { notFound } from "@surge/platform/errors";
import type { EventStore, StoredEvent, StreamAppend } from "@surge/platform/eventstore/types";
import type { StockGuard } from "../sales/stock-guard.js";
import { couponClaimStream } from "../coupons/claim-events.js";
import { decideCouponClaim } from "../coupons/claim.js";
import { decideOrder, evolveOrder, type LiveOrder, type OrderCommand, type OrderState } from "../orders/order.js";
import { orderStream } from "../orders/events.js";
import { decideWallet } from "../wallet/wallet.js";
import { walletStream } from "../wallet/events.js";
import { saleEventTag } from "../sales/events.js";
import type { OrderEvent } from "../orders/events.js";
import { loadClaim } from "../coupons/load-claim.js";
import { metadataFor, type CommandContext } from "@surge/platform/command/context";
import type { KeyedQueue } from "@surge/platform/command/keyed-queue";
import { loadOrder } from "../orders/place.js";
import { retryOnConflict } from "@surge/platform/command/retry";
import { replayOf } from "@surge/platform/command/replay";
import { loadWallet } from "../wallet/charge.js";

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

async function loadOwned(store: EventStore, orderId: string, owner?: Owner) {
  const loaded = await loadOrder(store, orderId);
  const s = loaded.state;
  if (s.status === "absent" || (owner && !owner.isAdmin && s.order.userId !== owner.userId)) throw notFound("order");
  return { state: s, version: loaded.version, events: loaded.events };
}

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

const orderPart = (s: LiveOrder, version: number, events: OrderEvent[], ctx: CommandContext): StreamAppend => ({
  streamId: orderStream(s.order.orderId),
  expected: version,
  events: events.map((e) => ({ ...e, tag: saleEventTag(s.order.eventId), metadata: metadataFor(ctx) })),
});

/** The claim moves with the order: used when it is paid, back to AVAILABLE when a paid order is cancelled. */
async function claimPart(store: EventStore, s: LiveOrder, command: "UseClaim" | "ReleaseClaim", ctx: CommandContext): Promise<StreamAppend[]> {
  const claimId = s.order.couponClaimId;
  if (!claimId) return [];
  const claim = await loadClaim(store, claimId);
  const events = decideCouponClaim(claim.state, { type: command, issued: claim.issued, orderId: s.order.orderId, now: ctx.now });
  return events.length === 0 ? [] : [{ streamId: couponClaimStream(claimId), expected: claim.version, events: events.map((e) => ({ ...e, metadata: metadataFor(ctx) })) }];
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
  const { state: first } = await loadOwned(deps.store, orderId, owner);
  const payer = first.order.userId;
  return deps.wallets.run(payer, () =>
    retryOnConflict(async () => {
      const { state, version, events: stored } = await loadOwned(deps.store, orderId, owner);
      const before = paymentBefore(stored, orderId, paymentId, ctx);
      if (before) return before;
      const events = decideOrder(state, { type: "PayWithPoints", paymentId, now: ctx.now });
      const wallet = await loadWallet(deps.store, payer);
      const debit = decideWallet(wallet.state, { type: "DebitPoints", userId: payer, orderId, paymentId, amount: state.order.payableAmount, now: ctx.now });
      const parts = [orderPart(state, version, events, ctx), ...(await claimPart(deps.store, state, "UseClaim", ctx))];
      if (debit.length > 0) parts.push({ streamId: walletStream(payer), expected: wallet.version, events: debit.map((e) => ({ ...e, metadata: metadataFor(ctx) })) });
      const [appended] = await deps.store.appendMulti(parts);
      return { payment: viewOf(events.reduce(evolveOrder, state as OrderState)), position: appended!.lastPosition, replayed: false };
    }),
  );
}

/** CARD: record the request (one pending payment per order, by expected version); the gateway decides later. */
export async function requestCardPayment(deps: PaymentDeps, orderId: string, paymentId: string, card: { type: "SAMSUNG" | "KB" | "HYUNDAI"; number: string }, ctx: CommandContext, owner: Owner) {
  return retryOnConflict(async () => {
    const { state, version, events: stored } = await loadOwned(deps.store, orderId, owner);
    const before = paymentBefore(stored, orderId, paymentId, ctx);
    if (before) return { ...before, order: state.order };
    const events = decideOrder(state, { type: "RequestCardPayment", paymentId, card: { type: card.type, last4: card.number.slice(-4) }, now: ctx.now });
    const [appended] = await deps.store.appendMulti([orderPart(state, version, events, ctx)]);
    return { payment: viewOf(events.reduce(evolveOrder, state as OrderState)), order: state.order, position: appended!.lastPosition, replayed: false };
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
  command: Extract<OrderCommand, { type: "SettlePayment" | "RecordRefund" | "AllocateGoods" | "ShipGoods" | "DeliverGoods" }>,
  ctx: CommandContext,
) {
  return retryOnConflict(async () => {
    const { state, version } = await loadOwned(deps.store, orderId);
    const events = decideOrder(state, command);
    if (events.length === 0) return { state: state as LiveOrder, changed: false, position: null };
    const parts = [orderPart(state, version, events, ctx)];
    if (events.some((e) => e.type === "OrderPaid")) parts.push(...(await claimPart(deps.store, state, "UseClaim", ctx)));
    const [appended] = await deps.store.appendMulti(parts);
    return { state: events.reduce(evolveOrder, state as OrderState) as LiveOrder, changed: true, position: appended!.lastPosition };
  });
}

/**
 * Cancels any cancellable order. Unpaid: as endOrder. Paid (goods not shipped): the order, the
 * coupon's return and, for points, the wallet refund are one atomic append; a card refund goes
 * through the gateway afterwards (the refund process manager). Stock and the goods unit are
 * released by order id, idempotently.
 */
export async function cancelOrder(
  deps: PaymentDeps,
  orderId: string,
  reason: "USER" | "ADMIN" | "PAYMENT_FAILED",
  ctx: CommandContext,
  owner?: Owner,
  failedPaymentId?: string,
) {
  const { state: first } = await loadOwned(deps.store, orderId, owner);
  const result = await deps.wallets.run(first.order.userId, () =>
    retryOnConflict(async () => {
      const { state, version } = await loadOwned(deps.store, orderId, owner);
      const events = decideOrder(state, { type: "CancelOrder", reason, now: ctx.now, ...(failedPaymentId ? { failedPaymentId } : {}) });
      if (events.length === 0) return { state, position: null };
      const parts = [orderPart(state, version, events, ctx), ...(await claimPart(deps.store, state, "ReleaseClaim", ctx))];
      const refunded = events.find((e) => e.type === "PaymentRefunded");
      if (refunded) {
        const wallet = await loadWallet(deps.store, state.order.userId);
        const refund = decideWallet(wallet.state, { type: "RefundPoints", userId: state.order.userId, orderId, paymentId: refunded.data.paymentId, amount: refunded.data.amount, now: ctx.now });
        if (refund.length > 0) parts.push({ streamId: walletStream(state.order.userId), expected: wallet.version, events: refund.map((e) => ({ ...e, metadata: metadataFor(ctx) })) });
      }
      const [appended] = await deps.store.appendMulti(parts);
      return { state: events.reduce(evolveOrder, state as OrderState) as LiveOrder, position: appended!.lastPosition };
    }),
  );
  // Idempotent by order id, and only for an order that really ended (a guarded compensation may decide nothing).
  if (result.state.status === "CANCELLED") {
    await deps.stock.release(result.state.order.eventId, orderId);
    await deps.stock.releaseGoods(result.state.order.eventId, orderId);
  }
  return result;
}

