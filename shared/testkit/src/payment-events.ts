import { decideOrder, orderDecider, type OrderCommand } from "@surge/areas/orders/order";
import { decideWallet, walletDecider, type WalletCommand } from "@surge/areas/wallet/wallet";
import { loadOrder } from "@surge/areas/orders/place";
import { loadWallet } from "@surge/areas/wallet/charge";
import { OrderPlaced, orderStream, PaymentRequested, PaymentSubmitted } from "@surge/areas/orders/events";
import { saleTag } from "@surge/areas/sales/events";
import { viewOf, type OrderView } from "@surge/areas/orders/view";
import { walletStream } from "@surge/areas/wallet/events";
import { type EventStore } from "@surge/platform/eventstore/types";
import { bindEvents } from "@surge/platform/events/new-event";
import { rawEvent, rawMetadata } from "./raw-event.js";

/** Distributive Omit, so each command keeps its own fields. */
type Without<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** The command side's decision on an order, appended as command-api appends it (tagged with its sale). */
export async function decideOnOrder(
  store: EventStore,
  orderId: string,
  command: Without<Exclude<OrderCommand, { type: "PlaceOrder" }>, "now">,
  now = new Date(),
): Promise<void> {
  const { state, version } = await loadOrder(store, orderId);
  if (state.status === "absent") throw new Error(`order ${orderId} not found`);
  const events = decideOrder(state, { ...command, now });
  if (events.length === 0) throw new Error(`${command.type} decided nothing for order ${orderId}`);
  await store.append(orderStream(orderId), version, bindEvents(orderDecider.types, events, { tag: saleTag(state.order.eventId), metadata: rawMetadata() }));
}

/** The command side's decision on a wallet, appended to the user's wallet stream. */
export async function decideOnWallet(store: EventStore, command: Without<WalletCommand, "now">, now = new Date()): Promise<void> {
  const { state, version } = await loadWallet(store, command.userId);
  const events = decideWallet(state, { ...command, now });
  await store.append(walletStream(command.userId), version, bindEvents(walletDecider.types, events, { metadata: rawMetadata() }));
}

/** What the command side shows for the order now: the OrderView folded from its stream. */
export async function commandView(store: EventStore, orderId: string): Promise<OrderView> {
  const { state } = await loadOrder(store, orderId);
  if (state.status === "absent") throw new Error(`order ${orderId} not found`);
  return viewOf(state);
}

/**
 * A one-unit order of `amount` and its card payment, as command-api appends them: OrderPlaced,
 * PaymentRequested and, once the gateway took it (`transactionKey`), PaymentSubmitted.
 */
export function cardOrderEvents(o: { orderId: string; paymentId: string; amount: number; at: Date; expiresAt: Date; transactionKey?: string | undefined }) {
  const ref = { orderId: o.orderId, eventId: "sale-1" };
  const at = o.at.toISOString();
  const item = { dealId: "d1", productId: "p1", productName: "P", quantity: 1, unitPrice: o.amount, lineAmount: o.amount };
  return {
    ref,
    events: [
      rawEvent(OrderPlaced, {
        ...ref,
        userId: "u1",
        items: [item],
        totalAmount: o.amount,
        discountAmount: 0,
        payableAmount: o.amount,
        couponClaimId: null,
        couponId: null,
        placedAt: at,
        expiresAt: o.expiresAt.toISOString(),
      }),
      rawEvent(PaymentRequested, { ...ref, paymentId: o.paymentId, method: "CARD", amount: o.amount, card: { type: "KB", last4: "3456" }, requestedAt: at }),
      ...(o.transactionKey ? [rawEvent(PaymentSubmitted, { ...ref, paymentId: o.paymentId, transactionKey: o.transactionKey, submittedAt: at })] : []),
    ],
  };
}
