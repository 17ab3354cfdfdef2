import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { AppError, ConcurrencyError, FenceError } from "@surge/platform/errors";
import { createLogger } from "@surge/platform/logging";
import { newId } from "@surge/platform/ids";
import { KeyedQueue } from "@surge/platform/command/keyed-queue";
import type { CommandContext } from "@surge/platform/command/context";
import { createTestContext, type TestContext } from "@surge/testkit/context";
import { StockGuard, saleFenceKey, saleKeys } from "./stock-guard.js";
import { saleStream, saleTag, saleEventTypes, type SaleDefinition } from "./events.js";
import { bindEvents } from "@surge/platform/events/new-event";
import { decideSale, evolveSale, initialSaleState, type SaleState } from "./sale.js";
import { dealIdFor, transitionSale } from "./schedule.js";
import { decideOrder, evolveOrder, initialOrderState, type OrderCommand, type OrderState } from "../orders/order.js";
import { orderEventTypes, orderStream, type OrderEvent } from "../orders/events.js";
import { endOrder } from "../orders/place.js";
import { cancelOrder } from "../payments/pay.js";

/**
 * The reserve/release Lua scripts keep a sale's stock and per-user counts so the hot path needs
 * no store read. This property runs random command sequences through the guard (as placeOrder,
 * cancelOrder, endOrder and transitionSale drive it) and through the sale and order deciders
 * folded with evolve, and asserts the same verdict at every step and the same counters after it.
 *
 * Refusals come in decideOrder's order: an order id already decided (CONFLICT, the script's
 * DUPLICATE), then the sale not open. Stock and per-user limits are in no decider (decideOrder
 * checks the deal and the sale's status only), so the model states them as the contract does
 * (API.md, POST /orders): all lines or none; SOLD_OUT with the units left; PURCHASE_LIMIT_EXCEEDED
 * with what is left of the limit when the user's quantity of the deal over their orders still
 * holding stock would pass perUserLimit (the contract says "non-cancelled"; an expired order's
 * stock "returns to sale", and the script frees its limit too, so the model counts PENDING_PAYMENT
 * and PAID orders). Lines are checked in order, the limit before the stock, as the script does:
 * the contract names no order between them. An id whose reservation was released without an
 * append (the request answered 503) is new again, as it is to decideOrder with nothing stored: a
 * retry with its Idempotency-Key is decided like any new order.
 */

let ctx: TestContext;
let guard: StockGuard;
beforeAll(async () => {
  ctx = await createTestContext();
  guard = new StockGuard(ctx.redis, ctx.store, { reservationTtlMs: 30_000 }, createLogger("test", "silent", false));
});
afterAll(async () => {
  await ctx?.close();
});

const OPENS = Date.parse("2026-11-21T09:00:00.000Z");
const USERS = ["u0", "u1", "u2"];
const PAYMENT_TTL_S = 10;

interface Sale {
  deals: Array<{ stock: number; perUserLimit: number }>;
  /** ms from opensAt to closesAt; null = never closes. */
  windowMs: number | null;
  /** Scheduled before opensAt (SCHEDULED) or at it (opens at once). */
  scheduledEarly: boolean;
}

type Step =
  | {
      kind: "place";
      user: number;
      /** The order id of an earlier order (a repeated Idempotency-Key of its user), or a new one. */
      reuse: number | null;
      lines: Array<{ deal: number; quantity: number }>;
      /** After an OK: append now, the append fails (release), or stay in flight. */
      outcome: "commit" | "fail" | "hold";
    }
  /** An order in flight gets its OrderPlaced appended. */
  | { kind: "commit"; pick: number }
  /** An order in flight whose append failed: its units are released. */
  | { kind: "abort"; pick: number }
  | { kind: "pay"; pick: number }
  | { kind: "cancel"; pick: number }
  | { kind: "expire"; pick: number }
  /** A release repeated for an order that ended or never got appended: must change nothing. */
  | { kind: "releaseAgain"; pick: number }
  | { kind: "open" | "close"; forced: boolean }
  /** Redis loses the sale's state and the next request rebuilds it from the store. */
  | { kind: "lose" };

type Timed = Step & { dt: number };

const saleArb: fc.Arbitrary<Sale> = fc.record({
  deals: fc.array(
    fc.integer({ min: 1, max: 8 }).chain((stock) => fc.record({ stock: fc.constant(stock), perUserLimit: fc.integer({ min: 1, max: stock }) })),
    { minLength: 1, maxLength: 3 },
  ),
  windowMs: fc.option(fc.integer({ min: 5_000, max: 60_000 }), { nil: null }),
  scheduledEarly: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
});

const pick = fc.nat(20);
const quantityArb = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 2 }) }, { weight: 1, arbitrary: fc.integer({ min: 3, max: 5 }) });
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      kind: fc.constant("place" as const),
      user: fc.integer({ min: 0, max: USERS.length - 1 }),
      reuse: fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: pick }),
      lines: fc.uniqueArray(fc.record({ deal: fc.nat(2), quantity: quantityArb }), { minLength: 1, maxLength: 3, selector: (l) => l.deal }),
      outcome: fc.constantFrom("commit" as const, "commit" as const, "fail" as const, "hold" as const),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("commit" as const), pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("abort" as const), pick }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("pay" as const), pick }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("cancel" as const), pick }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("expire" as const), pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("releaseAgain" as const), pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom("open" as const, "close" as const), forced: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ kind: "lose" as const }) },
);
/** Time moves on by 0, a little, or past a payment window. */
const dtArb = fc.oneof(
  { weight: 3, arbitrary: fc.constant(0) },
  { weight: 5, arbitrary: fc.integer({ min: 1, max: 2_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 5_000, max: 15_000 }) },
);
const timedArb: fc.Arbitrary<Timed> = fc.tuple(stepArb, dtArb).map(([s, dt]) => ({ ...s, dt }));
const scenarioArb = fc.record({ sale: saleArb, steps: fc.array(timedArb, { minLength: 1, maxLength: 30, size: "max" }) });

/**
 * held: reserved, OrderPlaced not yet appended. doomed: held when the guard was rebuilt (its fence
 * is stale, its units are not in the rebuilt state). stored: OrderPlaced is in the store.
 * aborted: never appended, its reservation released.
 */
interface ModelOrder {
  orderId: string;
  userId: string;
  status: "held" | "doomed" | "stored" | "aborted";
  fence: string;
  /** OrderPlaced, then what the decider appended after it. */
  events: OrderEvent[];
}

interface Verdict {
  code: string;
  dealId?: string;
  available?: number;
}

const metadata = (c: CommandContext) => ({ correlationId: c.correlationId, causationId: null, userId: c.userId, occurredAt: c.now.toISOString() });
const codeOf = (err: unknown): string => {
  if (err instanceof AppError) return err.code;
  throw err;
};

async function runScenario({ sale, steps }: { sale: Sale; steps: Timed[] }): Promise<void> {
  const eventId = newId();
  const definition: SaleDefinition = {
    eventId,
    name: "PROP",
    opensAt: new Date(OPENS).toISOString(),
    closesAt: sale.windowMs === null ? null : new Date(OPENS + sale.windowMs).toISOString(),
    deals: sale.deals.map((d, i) => ({ dealId: dealIdFor(eventId, i), productId: `p${i}`, productName: `P${i}`, salePrice: 1000, ...d })),
    goods: null,
  };
  const deals = definition.deals;
  let clock = sale.scheduledEarly ? OPENS - 3_000 : OPENS;
  const command = (userId = "admin"): CommandContext => ({ userId, correlationId: newId(), now: new Date(clock) });

  const scheduled = decideSale(initialSaleState(), { type: "ScheduleSale", definition, now: new Date(clock) });
  const c0 = command();
  await ctx.store.append(saleStream(eventId), "no_stream", bindEvents(saleEventTypes, scheduled, { metadata: metadata(c0) }));
  let saleState: SaleState = scheduled.reduce(evolveSale, initialSaleState());
  await guard.remaining(eventId);

  const orders = new Map<string, ModelOrder>();
  const list = (...statuses: Array<ModelOrder["status"]>) => [...orders.values()].filter((o) => statuses.includes(o.status));
  const stateOf = (o: ModelOrder | undefined): OrderState =>
    o && (o.status === "held" || o.status === "stored") ? o.events.reduce(evolveOrder, initialOrderState()) : initialOrderState();
  /** Orders whose units the guard must hold: decided (in flight or stored) and neither cancelled nor expired. */
  const live = () =>
    [...orders.values()].flatMap((o) => {
      const s = stateOf(o);
      return s.status === "PENDING_PAYMENT" || s.status === "PAID" ? [s.order] : [];
    });
  const boughtBy = (userId: string, dealId: string) =>
    live()
      .filter((o) => o.userId === userId)
      .flatMap((o) => o.items)
      .filter((i) => i.dealId === dealId)
      .reduce((n, i) => n + i.quantity, 0);
  const left = (dealId: string) =>
    deals.find((d) => d.dealId === dealId)!.stock -
    live()
      .flatMap((o) => o.items)
      .filter((i) => i.dealId === dealId)
      .reduce((n, i) => n + i.quantity, 0);

  /** The contract's stock rules over the live orders (see the file's comment). */
  const stockVerdict = (userId: string, lines: Array<{ dealId: string; quantity: number }>): Verdict => {
    for (const l of lines) {
      const deal = deals.find((d) => d.dealId === l.dealId)!;
      const bought = boughtBy(userId, l.dealId);
      if (bought + l.quantity > deal.perUserLimit)
        return { code: "PURCHASE_LIMIT_EXCEEDED", dealId: l.dealId, available: Math.max(0, deal.perUserLimit - bought) };
      if (left(l.dealId) < l.quantity) return { code: "SOLD_OUT", dealId: l.dealId, available: left(l.dealId) };
    }
    return { code: "OK" };
  };

  const appendOrderEvents = async (orderId: string, events: OrderEvent[], c: CommandContext) => {
    await ctx.store.append(orderStream(orderId), "any", bindEvents(orderEventTypes, events, { tag: saleTag(eventId), metadata: metadata(c) }));
  };
  const counters = async () => {
    const [, stockKey, , boughtKey] = saleKeys(eventId);
    const stock = Object.fromEntries(Object.entries(await ctx.redis.hgetall(stockKey)).map(([k, v]) => [k, Number(v)]));
    const bought = Object.fromEntries(
      Object.entries(await ctx.redis.hgetall(boughtKey))
        .map(([k, v]) => [k, Number(v)] as const)
        .filter(([, v]) => v !== 0),
    );
    return { stock, bought };
  };
  const expectedCounters = () => {
    const bought: Record<string, number> = {};
    for (const o of live()) for (const i of o.items) bought[`${i.dealId}|${o.userId}`] = (bought[`${i.dealId}|${o.userId}`] ?? 0) + i.quantity;
    return { stock: Object.fromEntries(deals.map((d) => [d.dealId, left(d.dealId)])), bought };
  };
  const lose = async () => {
    await ctx.redis.del(...saleKeys(eventId));
    // The next request rebuilds from the store: what was in flight is not in it.
    for (const o of list("held")) o.status = "doomed";
    await guard.remaining(eventId);
  };

  const deps = { store: ctx.store, stock: guard, wallets: new KeyedQueue() };
  for (const [i, step] of steps.entries()) {
    clock += step.dt;
    const where = `step ${i} ${JSON.stringify(step)}`;
    switch (step.kind) {
      case "place": {
        const reused = step.reuse === null ? undefined : [...orders.values()][step.reuse % orders.size];
        const orderId = reused?.orderId ?? newId();
        const userId = reused?.userId ?? USERS[step.user]!;
        // No deal twice in one order (the route refuses that before any guard runs).
        const lines = step.lines
          .map((l) => ({ dealId: deals[l.deal % deals.length]!.dealId, quantity: l.quantity }))
          .filter((l, j, all) => all.findIndex((o) => o.dealId === l.dealId) === j);
        const c = command(userId);

        const place = { type: "PlaceOrder", orderId, userId, lines, coupon: null, now: c.now, paymentTtlS: PAYMENT_TTL_S } as const;
        let expected: Verdict;
        try {
          decideOrder(stateOf(orders.get(orderId)), { ...place, sale: saleState });
          expected = stockVerdict(userId, lines);
        } catch (err) {
          const code = codeOf(err);
          expected = { code: code === "CONFLICT" ? "DUPLICATE" : code };
        }

        const { fence, ...verdict } = { fence: "", ...(await guard.reserve(eventId, userId, orderId, lines, c.now)) };
        let effective: Verdict = verdict;
        if (verdict.code === "OK") {
          // What placeOrder appends after an OK: decided on a new order, the guard having ruled on the rest.
          const placed = decideOrder(initialOrderState(), { ...place, sale: { status: "OPEN", definition } })[0]!;
          // A repeated id always goes on to its append, which is what refuses an order already stored.
          const outcome = reused ? "commit" : step.outcome;
          const order: ModelOrder = { orderId, userId, status: "held", fence, events: [placed] };
          if (outcome === "commit") {
            const appended = await ctx.store
              .append(
                orderStream(orderId),
                "no_stream",
                [{ ...bindEvents(orderEventTypes, [placed], { tag: saleTag(eventId), metadata: metadata(c) })[0]!, eventId: orderId }],
                { fence: { key: saleFenceKey(eventId), token: fence } },
              )
              .then(
                () => true,
                (err: unknown) => {
                  if (err instanceof ConcurrencyError) return false;
                  throw err;
                },
              );
            if (appended) {
              order.status = "stored";
              await guard.confirm(eventId, orderId);
            } else {
              expect(await guard.release(eventId, orderId), where).toBe(true);
              effective = { code: "DUPLICATE" };
            }
          } else if (outcome === "fail") {
            expect(await guard.release(eventId, orderId), where).toBe(true);
            order.status = "aborted";
          }
          if (effective.code === "OK") orders.set(orderId, order);
        }
        expect(effective, where).toEqual(expected);
        break;
      }
      case "commit": {
        const o = list("held", "doomed")[step.pick % Math.max(1, list("held", "doomed").length)];
        if (!o) break;
        const c = command(o.userId);
        const appended = await ctx.store
          .append(
            orderStream(o.orderId),
            "no_stream",
            [{ ...bindEvents(orderEventTypes, [o.events[0]!], { tag: saleTag(eventId), metadata: metadata(c) })[0]!, eventId: o.orderId }],
            {
              fence: { key: saleFenceKey(eventId), token: o.fence },
            },
          )
          .then(
            () => "appended",
            (err: unknown) => {
              if (err instanceof FenceError) return "fenced";
              throw err;
            },
          );
        // An order decided by a state that was since rebuilt must not commit: its units are not counted any more.
        expect(appended, where).toBe(o.status === "doomed" ? "fenced" : "appended");
        if (appended === "appended") {
          o.status = "stored";
          await guard.confirm(eventId, o.orderId);
        } else {
          o.status = "aborted";
          expect(await guard.release(eventId, o.orderId), where).toBe(false);
          await guard.invalidate(eventId, o.fence);
        }
        break;
      }
      case "abort": {
        const o = list("held", "doomed")[step.pick % Math.max(1, list("held", "doomed").length)];
        if (!o) break;
        expect(await guard.release(eventId, o.orderId), where).toBe(o.status === "held");
        o.status = "aborted";
        break;
      }
      case "pay":
      case "cancel":
      case "expire": {
        const o = list("stored")[step.pick % Math.max(1, list("stored").length)];
        if (!o) break;
        const c = command(o.userId);
        const orderCommand: OrderCommand =
          step.kind === "pay"
            ? { type: "PayWithPoints", paymentId: newId(), now: c.now }
            : step.kind === "cancel"
              ? { type: "CancelOrder", reason: "USER", now: c.now }
              : { type: "ExpireOrder", now: c.now };
        let expected: string;
        let decided: OrderEvent[] = [];
        try {
          decided = decideOrder(stateOf(o), orderCommand);
          expected = "OK";
        } catch (err) {
          expected = codeOf(err);
        }
        if (step.kind === "pay") {
          // Paying touches no guard: only its events, which a rebuild reads.
          if (expected === "OK") await appendOrderEvents(o.orderId, decided, c);
        } else {
          // Cancel and expiry go through their handlers, which decide on the stream and then release by order id.
          const handled = step.kind === "cancel" ? cancelOrder(deps, o.orderId, "USER", c) : endOrder(deps, o.orderId, { type: "ExpireOrder", now: c.now }, c);
          const outcome = await handled.then(
            () => "OK",
            (err: unknown) => codeOf(err),
          );
          expect(outcome, where).toBe(expected);
        }
        o.events.push(...decided);
        break;
      }
      case "releaseAgain": {
        const ended = [...orders.values()].filter((o) => o.status === "aborted" || ["CANCELLED", "EXPIRED"].includes(stateOf(o).status));
        const o = ended[step.pick % Math.max(1, ended.length)];
        if (!o) break;
        expect(await guard.release(eventId, o.orderId), where).toBe(false);
        break;
      }
      case "open":
      case "close": {
        const c = command();
        const saleCommand =
          step.kind === "open"
            ? ({ type: "OpenSale", now: c.now, forced: step.forced } as const)
            : ({ type: "CloseSale", now: c.now, forced: step.forced } as const);
        let expected: string;
        let decided: ReturnType<typeof decideSale> = [];
        try {
          decided = decideSale(saleState, saleCommand);
          expected = "OK";
        } catch (err) {
          expected = codeOf(err);
        }
        const outcome = await transitionSale(deps, eventId, step.kind === "open" ? "OPEN" : "CLOSED", step.forced, c).then(
          (r) => r.state.status,
          (err: unknown) => codeOf(err),
        );
        saleState = decided.reduce(evolveSale, saleState);
        expect(outcome, where).toBe(expected === "OK" ? saleState.status : expected);
        break;
      }
      case "lose":
        await lose();
        break;
    }
    expect(await counters(), `${where}: counters after it`).toEqual(expectedCounters());
  }

  // Once more from the store alone: the rebuilt counters are the decider's too.
  await lose();
  expect(await counters(), "end, rebuilt from the store").toEqual(expectedCounters());
}

describe("the stock Lua scripts and the sale and order deciders", () => {
  // About 6 s on an idle machine; the timeout leaves room for shrinking a failure on a busy one.
  it("agree on every verdict and counter over random order sequences", { timeout: 180_000 }, async () => {
    // A fixed seed: a failure prints it with the shrunk counterexample, and a rerun repeats it.
    await fc.assert(fc.asyncProperty(scenarioArb, runScenario), { seed: 20_261_121, numRuns: 100 });
  });
});
