import { couponClaimStream } from "@surge/areas/coupons/claim-events";
import { couponStream, type CouponDefinition } from "@surge/areas/coupons/coupon-events";
import { newId } from "@surge/platform/ids";
import { orderStream, type PlacedOrder } from "@surge/areas/orders/events";
import { saleTag, type SaleDefinition } from "@surge/areas/sales/events";
import { walletStream } from "@surge/areas/wallet/events";
import { type EventStore, type NewEvent } from "@surge/platform/eventstore/types";
import { appendCoupon } from "@surge/testkit/coupon-events";
import { rawEvent } from "@surge/testkit/raw-event";
import { appendOpenSale, appendOrder, placed } from "@surge/testkit/sale-events";

const now = () => new Date().toISOString();
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;

/**
 * A realistic history, appended the way command-api and batch append it: coupons and claims, two
 * open sales (one with goods), users charging wallets, and orders that get cancelled, expire, are
 * paid by points (some with goods, some refunded on cancel) or by card (some declined), a third of
 * them holding a coupon claim. Streams of every category interleave in the log, which is what a
 * Kafka projector that ignored cross-partition order would get wrong.
 */
export class MixSeeder {
  private sales: SaleDefinition[] = [];
  private coupons: CouponDefinition[] = [];
  private freeClaims: Array<{ claimId: string; couponId: string }> = [];
  private readonly balances = new Map<string, number>();
  private readonly users = Array.from({ length: 12 }, (_, i) => `mix-user-${i}`);

  constructor(private readonly store: EventStore) {}

  async setUp(): Promise<void> {
    for (let i = 0; i < 2; i++) {
      const def = await appendCoupon(this.store, 40, { quantity: 1000, perUserLimit: 1000 });
      this.coupons.push(def);
      for (const e of await this.store.readStream(couponStream(def.couponId))) {
        if (e.type === "CouponClaimed") this.freeClaims.push({ claimId: (e.data as { claimId: string }).claimId, couponId: def.couponId });
      }
    }
    this.sales.push(await appendOpenSale(this.store, [10_000, 10_000, 10_000]));
    this.sales.push(await appendOpenSale(this.store, [10_000, 10_000], { name: "Tote bag", quantity: 50 }));
    for (const u of this.users) await this.charge(u, 5_000_000);
  }

  /** Appends `n` orders with their whole lives. */
  async orders(n: number): Promise<void> {
    for (let i = 0; i < n; i++) await this.oneOrder();
  }

  private async oneOrder(): Promise<void> {
    const sale = pick(this.sales);
    const user = pick(this.users);
    const lines: Array<[number, number]> = [[Math.floor(Math.random() * sale.deals.length), 1 + Math.floor(Math.random() * 2)]];
    const claim = Math.random() < 0.33 ? this.freeClaims.pop() : undefined;
    const order = placed(sale, user, lines, claim?.claimId ?? null);
    await appendOrder(this.store, order);
    if (claim) await this.claimEvent("CouponClaimReserved", claim, order.orderId, "reservedAt");
    if (Math.random() < 0.2) await this.charge(pick(this.users), 10_000 + Math.floor(Math.random() * 50_000));

    const roll = Math.random();
    if (roll < 0.2) {
      await this.orderEvents(order, [["OrderCancelled", { reason: "USER", cancelledAt: now() }]]);
      if (claim) await this.release(claim, order.orderId);
    } else if (roll < 0.3) {
      await this.orderEvents(order, [["OrderExpired", { expiredAt: now() }]]);
      if (claim) await this.release(claim, order.orderId);
    } else if (roll < 0.7) {
      await this.payWithPoints(order, sale, claim);
    } else if (roll < 0.85) {
      const paymentId = newId();
      const card = { type: "KB", last4: "4242" };
      await this.orderEvents(order, [["PaymentRequested", { paymentId, method: "CARD", amount: order.payableAmount, card, requestedAt: now() }]]);
      await this.orderEvents(order, [["PaymentFailed", { paymentId, reason: "DECLINED", failedAt: now() }]]);
      await this.orderEvents(order, [["OrderCancelled", { reason: "PAYMENT_FAILED", cancelledAt: now() }]]);
      if (claim) await this.release(claim, order.orderId);
    }
    // else: left waiting for payment.
  }

  private async payWithPoints(order: PlacedOrder, sale: SaleDefinition, claim: { claimId: string; couponId: string } | undefined): Promise<void> {
    const paymentId = newId();
    const balance = (this.balances.get(order.userId) ?? 0) - order.payableAmount;
    this.balances.set(order.userId, balance);
    await this.store.append(walletStream(order.userId), "any", [
      rawEvent("PointsDebited", { userId: order.userId, orderId: order.orderId, paymentId, amount: order.payableAmount, balance, debitedAt: now() }),
    ]);
    await this.orderEvents(order, [
      ["PaymentRequested", { paymentId, method: "POINTS", amount: order.payableAmount, card: null, requestedAt: now() }],
      ["PaymentSucceeded", { paymentId, amount: order.payableAmount, transactionKey: null, succeededAt: now() }],
      ["OrderPaid", { userId: order.userId, paymentId, items: order.items, payableAmount: order.payableAmount, paidAt: now() }],
    ]);
    if (claim) await this.claimEvent("CouponClaimUsed", claim, order.orderId, "usedAt");
    const goods = sale.goods !== null && Math.random() < 0.6;
    if (goods) await this.orderEvents(order, [["GoodsAllocated", { name: sale.goods!.name, allocatedAt: now() }]]);
    if (Math.random() < 0.25) {
      // Cancelled after payment: goods back, points refunded in the same decision.
      await this.orderEvents(order, [
        ["OrderCancelled", { reason: "USER", cancelledAt: now() }],
        ...(goods ? [["GoodsReleased", { releasedAt: now() }] as [string, object]] : []),
        ["PaymentRefunded", { paymentId, amount: order.payableAmount, refundedAt: now() }],
      ]);
      const back = balance + order.payableAmount;
      this.balances.set(order.userId, back);
      await this.store.append(walletStream(order.userId), "any", [
        rawEvent("PointsRefunded", { userId: order.userId, orderId: order.orderId, paymentId, amount: order.payableAmount, balance: back, refundedAt: now() }),
      ]);
    } else if (goods && Math.random() < 0.5) {
      await this.orderEvents(order, [["GoodsShipped", { trackingNo: `T${Math.floor(Math.random() * 1e6)}`, shippedAt: now() }]]);
    }
  }

  private async orderEvents(order: PlacedOrder, events: Array<[string, object]>): Promise<void> {
    const ref = { orderId: order.orderId, eventId: order.eventId };
    const list: NewEvent[] = events.map(([type, data]) => rawEvent(type, { ...ref, ...data }, { tag: saleTag(order.eventId) }));
    await this.store.append(orderStream(order.orderId), "any", list);
  }

  private async claimEvent(type: string, claim: { claimId: string; couponId: string }, orderId: string, stamp: string): Promise<void> {
    await this.store.append(couponClaimStream(claim.claimId), "any", [rawEvent(type, { ...claim, orderId, [stamp]: now() })]);
  }

  private async release(claim: { claimId: string; couponId: string }, orderId: string): Promise<void> {
    await this.claimEvent("CouponClaimReleased", claim, orderId, "releasedAt");
    this.freeClaims.unshift(claim);
  }

  private async charge(userId: string, amount: number): Promise<void> {
    const balance = (this.balances.get(userId) ?? 0) + amount;
    this.balances.set(userId, balance);
    await this.store.append(walletStream(userId), "any", [rawEvent("WalletCharged", { userId, chargeId: newId(), amount, balance, chargedAt: now() })]);
  }
}
