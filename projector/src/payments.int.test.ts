import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId } from "@surge/platform/ids";
import { type OrderView } from "@surge/areas/orders/view";
import { OrderExpired, type PlacedOrder } from "@surge/areas/orders/events";
import { type StoredEvent } from "@surge/platform/eventstore/types";
import { createTestContext, type TestContext } from "@surge/testkit/context";
import { applyBatch } from "@surge/platform/projection/apply";
import { handlers } from "@surge/areas/projections";
import { combine, runAll } from "@surge/platform/projection/handler";
import { couponProjection } from "@surge/areas/coupons/projection";
import { orderProjection } from "@surge/areas/orders/projection";
import { productProjection } from "@surge/areas/catalog/projection";
import { saleProjection } from "@surge/areas/sales/projection";
import { walletProjection } from "@surge/areas/wallet/projection";
import { commandView, decideOnOrder, decideOnWallet } from "@surge/testkit/payment-events";
import { appendOpenSale, appendOrder, placed } from "@surge/testkit/sale-events";
import { rawEvent } from "@surge/testkit/raw-event";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.close();
});

const since = (head: number): Promise<StoredEvent[]> => ctx.store.readAll(head, 100_000);
/** Applies everything appended since `head` and returns that batch (to deliver it again). */
const project = async (head: number, map = handlers) => {
  const batch = await since(head);
  await applyBatch(ctx.db, map, batch);
  return batch;
};
const sold = async (eventId: string) => (await ctx.db.selectFrom("sale_deals").select("sold").where("event_id", "=", eventId).execute()).map((r) => r.sold);
const allocated = async (eventId: string) =>
  (await ctx.db.selectFrom("sale_events").select("goods_allocated").where("event_id", "=", eventId).executeTakeFirstOrThrow()).goods_allocated;
const wallet = async (userId: string) => {
  const row = await ctx.db.selectFrom("wallets").select(["balance", "updated_at"]).where("user_id", "=", userId).executeTakeFirst();
  return row ? { balance: Number(row.balance), updatedAt: row.updated_at.toISOString() } : null;
};

/** The read model's part of the OrderView that payment and goods events change. */
const projected = async (orderId: string) => {
  const r = await ctx.db.selectFrom("orders").selectAll().where("order_id", "=", orderId).executeTakeFirstOrThrow();
  return {
    status: r.status,
    cancelReason: r.cancel_reason,
    payment: r.payment === null ? null : JSON.parse(r.payment),
    goods: r.goods === null ? null : JSON.parse(r.goods),
    paidAt: r.paid_at === null ? null : r.paid_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
};
const pick = (v: OrderView) => ({
  status: v.status,
  cancelReason: v.cancelReason,
  payment: v.payment,
  goods: v.goods,
  paidAt: v.paidAt,
  updatedAt: v.updatedAt,
});
/** The row shows what the command side's evolve shows, field for field. */
const expectAsCommandSide = async (orderId: string) => expect(await projected(orderId)).toEqual(pick(await commandView(ctx.store, orderId)));

/** A sale with goods and one order of `quantity` units by `user`, placed and projected. */
async function orderOf(user: string, quantity: number, goods = { name: "Tote bag", quantity: 10 }) {
  const sale = await appendOpenSale(ctx.store, [100], goods);
  const order: PlacedOrder = placed(sale, user, [[0, quantity]]);
  await appendOrder(ctx.store, order);
  await project(0);
  return { sale, order };
}

/** What command-api appends for a POINTS payment: the order's three events and the wallet debit. */
async function payWithPoints(order: PlacedOrder) {
  const paymentId = newId();
  await decideOnOrder(ctx.store, order.orderId, { type: "PayWithPoints", paymentId });
  await decideOnWallet(ctx.store, { type: "DebitPoints", userId: order.userId, orderId: order.orderId, paymentId, amount: order.payableAmount });
  return paymentId;
}

describe("projecting payments, wallets and goods", () => {
  it("shows a POINTS payment as the command side does, debits the wallet, and leaves sold alone", async () => {
    const { sale, order } = await orderOf("w-pay", 3);
    const head = await ctx.store.headPosition();
    await decideOnWallet(ctx.store, { type: "ChargeWallet", userId: "w-pay", chargeId: newId(), amount: 50_000 });
    const paymentId = await payWithPoints(order);
    await project(head);

    await expectAsCommandSide(order.orderId);
    expect(await projected(order.orderId)).toMatchObject({
      status: "PAID",
      payment: { paymentId, method: "POINTS", status: "SUCCEEDED", amount: 30_000 },
      goods: null,
      paidAt: expect.any(String),
    });
    expect(await wallet("w-pay")).toEqual({ balance: 20_000, updatedAt: expect.any(String) });
    expect(await sold(sale.eventId)).toEqual([3]);
  });

  it("follows a card payment through PENDING and FAILED, and a cancel of a paid order to REFUNDED", async () => {
    const { sale, order } = await orderOf("w-card", 2);
    let head = await ctx.store.headPosition();
    const paymentId = newId();
    await decideOnOrder(ctx.store, order.orderId, { type: "RequestCardPayment", paymentId, card: { type: "KB", last4: "3456" } });
    await project(head);
    await expectAsCommandSide(order.orderId);
    expect(await projected(order.orderId)).toMatchObject({
      status: "PENDING_PAYMENT",
      payment: { paymentId, method: "CARD", status: "PENDING", amount: 20_000 },
    });

    head = await ctx.store.headPosition();
    await decideOnOrder(ctx.store, order.orderId, {
      type: "SettlePayment",
      paymentId,
      outcome: { status: "DECLINED", reason: "LIMIT_EXCEEDED" },
      report: { transactionKey: "tx-0", amount: 20_000 },
    });
    await decideOnOrder(ctx.store, order.orderId, { type: "CancelOrder", reason: "PAYMENT_FAILED" });
    await project(head);
    await expectAsCommandSide(order.orderId);
    expect(await projected(order.orderId)).toMatchObject({ status: "CANCELLED", cancelReason: "PAYMENT_FAILED", payment: { status: "FAILED" }, paidAt: null });
    expect(await sold(sale.eventId)).toEqual([0]);

    // A card success, then a cancel of the paid order and the gateway's refund.
    const other = placed(sale, "w-card", [[0, 4]]);
    head = await ctx.store.headPosition();
    await appendOrder(ctx.store, other);
    const second = newId();
    await decideOnOrder(ctx.store, other.orderId, { type: "RequestCardPayment", paymentId: second, card: { type: "SAMSUNG", last4: "0001" } });
    await decideOnOrder(ctx.store, other.orderId, {
      type: "SettlePayment",
      paymentId: second,
      outcome: { status: "SUCCESS", transactionKey: "tx-1" },
      report: { transactionKey: "tx-1", amount: 40_000 },
    });
    await project(head);
    expect(await sold(sale.eventId)).toEqual([4]);
    head = await ctx.store.headPosition();
    await decideOnOrder(ctx.store, other.orderId, { type: "CancelOrder", reason: "USER" });
    await decideOnOrder(ctx.store, other.orderId, { type: "RecordRefund", paymentId: second });
    await project(head);
    await expectAsCommandSide(other.orderId);
    expect(await projected(other.orderId)).toMatchObject({
      status: "CANCELLED",
      cancelReason: "USER",
      payment: { status: "REFUNDED" },
      paidAt: expect.any(String),
    });
    expect(await sold(sale.eventId)).toEqual([0]);
  });

  it("returns a paid-then-cancelled order's units once, whichever of the two projections runs first", async () => {
    const reversed = combine(couponProjection, productProjection, orderProjection, saleProjection, walletProjection);
    for (const map of [handlers, reversed]) {
      const { sale, order } = await orderOf(`w-once-${map === handlers ? "a" : "b"}`, 5);
      const head = await ctx.store.headPosition();
      await decideOnWallet(ctx.store, { type: "ChargeWallet", userId: order.userId, chargeId: newId(), amount: 50_000 });
      const paymentId = await payWithPoints(order);
      await decideOnOrder(ctx.store, order.orderId, { type: "AllocateGoods", name: "Tote bag" });
      // As cancelOrder appends it: OrderCancelled, GoodsReleased, PaymentRefunded, then the wallet refund.
      await decideOnOrder(ctx.store, order.orderId, { type: "CancelOrder", reason: "USER" });
      await decideOnWallet(ctx.store, { type: "RefundPoints", userId: order.userId, orderId: order.orderId, paymentId, amount: order.payableAmount });
      // A second ending (no decider emits it after a cancel) must not give the units back twice.
      await ctx.store.append(`order-${order.orderId}`, "any", [
        rawEvent(OrderExpired, { orderId: order.orderId, eventId: sale.eventId, expiredAt: new Date().toISOString() }, { correlationId: "c" }),
      ]);
      await project(head, map);
      expect(await sold(sale.eventId)).toEqual([0]);
      expect(await allocated(sale.eventId)).toBe(0);
      expect(await projected(order.orderId)).toMatchObject({ status: "CANCELLED", payment: { status: "REFUNDED" }, goods: null });
      expect((await wallet(order.userId))!.balance).toBe(50_000);
    }
  });

  it("counts goods handed out and follows them through shipping, delivery and release", async () => {
    const { sale, order: a } = await orderOf("w-goods-a", 1);
    const b = placed(sale, "w-goods-b", [[0, 1]]);
    let head = await ctx.store.headPosition();
    await appendOrder(ctx.store, b);
    for (const o of [a, b]) {
      await decideOnWallet(ctx.store, { type: "ChargeWallet", userId: o.userId, chargeId: newId(), amount: 10_000 });
      await payWithPoints(o);
      await decideOnOrder(ctx.store, o.orderId, { type: "AllocateGoods", name: "Tote bag" });
    }
    await project(head);
    expect(await allocated(sale.eventId)).toBe(2);
    for (const o of [a, b]) {
      await expectAsCommandSide(o.orderId);
      expect((await projected(o.orderId)).goods).toEqual({ name: "Tote bag", status: "ALLOCATED" });
    }

    head = await ctx.store.headPosition();
    await decideOnOrder(ctx.store, a.orderId, { type: "ShipGoods", trackingNo: "TRK-1" });
    await project(head);
    await expectAsCommandSide(a.orderId);
    expect((await projected(a.orderId)).goods).toEqual({ name: "Tote bag", status: "SHIPPED" });
    head = await ctx.store.headPosition();
    await decideOnOrder(ctx.store, a.orderId, { type: "DeliverGoods" });
    await decideOnOrder(ctx.store, b.orderId, { type: "CancelOrder", reason: "ADMIN" });
    await project(head);
    await expectAsCommandSide(a.orderId);
    await expectAsCommandSide(b.orderId);
    expect((await projected(a.orderId)).goods).toEqual({ name: "Tote bag", status: "DELIVERED" });
    expect(await projected(b.orderId)).toMatchObject({ status: "CANCELLED", cancelReason: "ADMIN", goods: null });
    expect(await allocated(sale.eventId)).toBe(1);
    expect(await sold(sale.eventId)).toEqual([1]);
  });

  it("changes nothing when payment, goods and wallet events are delivered again", async () => {
    const { sale, order } = await orderOf("w-dup", 2);
    const others = Array.from({ length: 3 }, (_, i) => placed(sale, `w-dup${i}`, [[0, 1]]));
    const head = await ctx.store.headPosition();
    for (const o of others) await appendOrder(ctx.store, o);
    for (const o of [order, ...others]) {
      await decideOnWallet(ctx.store, { type: "ChargeWallet", userId: o.userId, chargeId: newId(), amount: 40_000 });
      await payWithPoints(o);
      await decideOnOrder(ctx.store, o.orderId, { type: "AllocateGoods", name: "Tote bag" });
    }
    // One paid order cancelled: goods released, points refunded, its units back.
    await decideOnOrder(ctx.store, order.orderId, { type: "CancelOrder", reason: "USER" });
    await decideOnWallet(ctx.store, { type: "RefundPoints", userId: order.userId, orderId: order.orderId, paymentId: "p", amount: order.payableAmount });
    const batch = await project(head);
    const state = async () => ({
      sold: await sold(sale.eventId),
      allocated: await allocated(sale.eventId),
      wallets: await Promise.all([order, ...others].map((o) => wallet(o.userId))),
      orders: await Promise.all([order, ...others].map((o) => projected(o.orderId))),
    });
    const first = await state();
    expect(first.sold).toEqual([3]);
    expect(first.allocated).toBe(3);
    expect(first.wallets.map((w) => w!.balance)).toEqual([40_000, 30_000, 30_000, 30_000]);

    const again = await applyBatch(ctx.db, handlers, batch);
    expect(again.applied).toHaveLength(0);
    expect(await state()).toEqual(first);
    // Shuffled and doubled, one event at a time, and in one batch with a new event: only the new one counts.
    for (const e of [...batch].reverse()) await applyBatch(ctx.db, handlers, [e, e]);
    const late = await ctx.store.headPosition();
    await decideOnWallet(ctx.store, { type: "ChargeWallet", userId: others[0]!.userId, chargeId: newId(), amount: 1_000 });
    const result = await applyBatch(ctx.db, handlers, [...batch, ...(await since(late)), ...batch]);
    expect(result.applied).toHaveLength(1);
    const last = await state();
    expect(last).toEqual({ ...first, wallets: first.wallets.map((w, i) => (i === 1 ? { balance: 31_000, updatedAt: expect.any(String) } : w)) });
  });

  it("sets the balance an event carries, and an older wallet event never moves it back", async () => {
    const head = await ctx.store.headPosition();
    for (const amount of [1_000, 2_000, 3_000]) await decideOnWallet(ctx.store, { type: "ChargeWallet", userId: "w-abs", chargeId: newId(), amount });
    const batch = await project(head);
    expect((await wallet("w-abs"))!.balance).toBe(6_000);
    // Without the event_handled filter (a rebuild, a second source), the absolute value still holds.
    await ctx.db.transaction().execute(async (trx) => {
      await runAll(trx, [walletProjection], batch);
      for (const e of batch) await runAll(trx, [walletProjection], [e]);
    });
    expect((await wallet("w-abs"))!.balance).toBe(6_000);
    await ctx.db.transaction().execute(async (trx) => runAll(trx, [walletProjection], batch.slice(0, 1)));
    expect(await wallet("w-abs")).toEqual({ balance: 6_000, updatedAt: (batch[2]!.data as { chargedAt: string }).chargedAt });
  });
});
