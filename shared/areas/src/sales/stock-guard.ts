import type { Redis } from "ioredis";
import type { EventStore } from "@surge/platform/eventstore/types";
import type { Logger } from "@surge/platform/logging";
import { parseEvent } from "@surge/platform/events/event-type";
import { evolveSale, initialSaleState, type SaleStatus } from "./sale.js";
import { saleStream, saleTag, saleEventTypes } from "./events.js";
import { orderEventTypes } from "../orders/events.js";
import {
  invalidateStale,
  publishState,
  runScript,
  settleOverdue,
  whenLoaded,
  withRebuildLock,
  type RebuildOutcome,
  type Settled,
} from "@surge/platform/redis/guard-kit";
import { Coalescer } from "@surge/platform/redis/coalesce";
import {
  allocateGoodsScript,
  confirmScript,
  loadedScript,
  releaseGoodsScript,
  releaseScript,
  reserveScript,
  setStatusScript,
  snapshotScript,
} from "./stock-scripts.js";

export const saleKeys = (eventId: string) => {
  const tag = `evt:{${eventId}}`;
  return [`${tag}:meta`, `${tag}:stock`, `${tag}:limit`, `${tag}:bought`, `${tag}:orders`, `${tag}:goods`, `${tag}:pending`] as const;
};
const lockKey = (eventId: string) => `evt:{${eventId}}:lock`;
export const LOADED_SALES = "surge:guards:sales";
export const saleFenceKey = (eventId: string) => `evt:${eventId}`;
const SWEEP_CHUNK = 1000;

export type ReserveVerdict =
  | { code: "OK"; fence: string }
  | { code: "EVENT_NOT_OPEN" | "DUPLICATE" }
  | { code: "UNKNOWN_DEAL"; dealId: string }
  | { code: "SOLD_OUT" | "PURCHASE_LIMIT_EXCEEDED"; dealId: string; available: number };

type Reply = [string, ...string[]];

/**
 * The Redis side of a flash sale: stock and per-user limits, decided for all lines of an order in
 * one script, released exactly once per order id, and rebuilt from the event store when missing.
 */
export class StockGuard {
  constructor(
    private readonly redis: Redis,
    private readonly store: EventStore,
    private readonly options: { reservationTtlMs: number },
    private readonly logger: Logger,
  ) {}

  private run(script: string, eventId: string, ...args: Array<string | number>): Promise<Reply> {
    return whenLoaded(
      () => runScript<Reply>(this.redis, script, saleKeys(eventId), args),
      () => this.rebuild(eventId),
      "event",
    );
  }

  async reserve(eventId: string, userId: string, orderId: string, lines: Array<{ dealId: string; quantity: number }>, now: Date): Promise<ReserveVerdict> {
    const args = lines.flatMap((l) => [l.dealId, l.quantity]);
    const [code, a, b] = await this.run(reserveScript, eventId, userId, orderId, now.getTime() + this.options.reservationTtlMs, lines.length, ...args);
    switch (code) {
      case "OK":
        return { code, fence: a! };
      case "SOLD_OUT":
      case "PURCHASE_LIMIT_EXCEEDED":
        return { code, dealId: a!, available: Math.max(0, Number(b)) };
      case "UNKNOWN_DEAL":
        return { code, dealId: a! };
      default:
        return { code: code as "EVENT_NOT_OPEN" | "DUPLICATE" };
    }
  }

  /** The append was refused by the fence: the published state is stale, so let the next request rebuild it. */
  async invalidate(eventId: string, fence: string): Promise<void> {
    await invalidateStale(this.redis, saleKeys(eventId)[0], fence);
  }

  private readonly confirms = new Coalescer((eventId, orderIds) => this.confirmAll(eventId, orderIds));

  private async confirmAll(eventId: string, orderIds: string[]): Promise<void> {
    await this.run(confirmScript, eventId, ...orderIds);
  }

  /** Marks reservations as backed by their OrderPlaced; calls of one moment share one script call. */
  confirm(eventId: string, orderId: string): Promise<void> {
    return this.confirms.add(eventId, orderId);
  }

  /** Idempotent by order id: the units of one order come back once, however often this runs. */
  async release(eventId: string, orderId: string): Promise<boolean> {
    const [code] = await this.run(releaseScript, eventId, orderId);
    return code === "OK";
  }

  /** The first `goods.quantity` orders to ask (in order of payment) get a unit; asking again is harmless. */
  async allocateGoods(eventId: string, orderId: string): Promise<boolean> {
    const [code] = await this.run(allocateGoodsScript, eventId, orderId);
    return code === "OK";
  }

  async releaseGoods(eventId: string, orderId: string): Promise<void> {
    await this.run(releaseGoodsScript, eventId, orderId);
  }

  /** `version`: the sale stream's version the status was read at; an older one than the guard's changes nothing. */
  async setStatus(eventId: string, status: SaleStatus, version: number): Promise<void> {
    await this.run(setStatusScript, eventId, status, version);
  }

  /**
   * Sets the status only where the guard holds the sale's state: a guard that does not will read
   * the status from the store when it rebuilds. Returns whether it wrote.
   */
  async syncStatus(eventId: string, status: SaleStatus, version: number): Promise<boolean> {
    const current = await this.redis.hget(saleKeys(eventId)[0], "status");
    if (current === null || current === status) return false;
    const [code] = await runScript<Reply>(this.redis, setStatusScript, saleKeys(eventId), [status, version]);
    return code === "OK";
  }

  async remaining(eventId: string): Promise<Record<string, number>> {
    await this.run(loadedScript, eventId);
    const stock = await this.redis.hgetall(saleKeys(eventId)[1]);
    return Object.fromEntries(Object.entries(stock).map(([k, v]) => [k, Number(v)]));
  }

  /** The sale's status and what is left of each deal, as the guard decides on them now. */
  async snapshot(eventId: string): Promise<{ status: SaleStatus; remaining: Map<string, number> }> {
    const [, status, ...pairs] = await this.run(snapshotScript, eventId);
    const remaining = new Map<string, number>();
    for (let i = 0; i + 1 < pairs.length; i += 2) remaining.set(pairs[i]!, Math.max(0, Number(pairs[i + 1])));
    return { status: status as SaleStatus, remaining };
  }

  /**
   * Rebuild: rotate the fence (waits out appends in flight, fails later appends decided on the
   * lost state), then fold the sale's own stream and every order event tagged with it.
   */
  rebuild(eventId: string): Promise<RebuildOutcome> {
    const keys = saleKeys(eventId);
    return withRebuildLock(this.redis, lockKey(eventId), async () => {
      if ((await this.redis.exists(keys[0])) === 1) return "loaded";
      const fence = await this.store.rotateFence(saleFenceKey(eventId));
      let sale = initialSaleState();
      let saleVersion = 0;
      for (const raw of await this.store.readStream(saleStream(eventId))) {
        const e = parseEvent(saleEventTypes, raw);
        if (e) sale = evolveSale(sale, e);
        saleVersion = raw.version;
      }
      if (sale.status === "absent") return "absent";

      const placed = new Map<string, { userId: string; items: Array<{ dealId: string; quantity: number }> }>();
      const ended = new Set<string>();
      const goods = new Set<string>();
      for (const raw of await this.store.readByTag(saleTag(eventId))) {
        const e = parseEvent(orderEventTypes, raw);
        if (e?.type === "OrderPlaced") placed.set(e.data.orderId, e.data);
        else if (e?.type === "OrderCancelled" || e?.type === "OrderExpired") ended.add(e.data.orderId);
        else if (e?.type === "GoodsAllocated") goods.add(e.data.orderId);
        else if (e?.type === "GoodsReleased") goods.delete(e.data.orderId);
      }
      const stock = new Map(sale.definition.deals.map((d) => [d.dealId, d.stock]));
      const bought = new Map<string, number>();
      const ledger: Array<[string, string]> = [];
      let live = 0;
      for (const [orderId, o] of placed) {
        const lines = o.items.map((i) => `${i.dealId}:${i.quantity}`).join(",");
        // An ended order stays in the ledger as released, so a repeat of it is still DUPLICATE.
        if (ended.has(orderId)) {
          ledger.push([orderId, `${o.userId}|0|${lines}|X`]);
          continue;
        }
        for (const i of o.items) {
          stock.set(i.dealId, (stock.get(i.dealId) ?? 0) - i.quantity);
          bought.set(`${i.dealId}|${o.userId}`, (bought.get(`${i.dealId}|${o.userId}`) ?? 0) + i.quantity);
        }
        ledger.push([orderId, `${o.userId}|0|${lines}|C`]);
        live++;
      }
      const published = await publishState(
        this.redis,
        keys[0],
        { status: sale.status, statusVersion: saleVersion, fence, goodsQuantity: sale.definition.goods?.quantity ?? 0 },
        [
          [keys[1], [...stock]],
          [keys[2], sale.definition.deals.map((d) => [d.dealId, d.perUserLimit])],
          [keys[3], [...bought]],
          [keys[4], ledger],
          [keys[5], [...goods].map((o) => [o, 1])],
          // Nothing is pending in a rebuilt state (every order came from the store): publishing no
          // entries deletes the sorted set of the state it replaces.
          [keys[6], []],
        ],
      );
      // Torn: Redis lost the staged state mid-rebuild; report busy so the caller rebuilds again.
      if (published !== "published") return published === "already" ? "loaded" : "busy";
      await this.redis.sadd(LOADED_SALES, eventId);
      this.logger.info({ eventId, liveOrders: live }, "stock guard rebuilt from the store");
      return "loaded";
    });
  }

  /** Reservations past their deadline (read from `pending` only): confirmed when OrderPlaced is in the store, else released. */
  async sweep(now = Date.now()): Promise<Settled> {
    const total = { confirmed: 0, released: 0 };
    for (const eventId of await this.redis.smembers(LOADED_SALES)) {
      for (;;) {
        const overdue = await this.redis.zrangebyscore(saleKeys(eventId)[6], "-inf", now, "LIMIT", 0, SWEEP_CHUNK);
        if (overdue.length === 0) break;
        const settled = await settleOverdue(
          this.store,
          overdue,
          (ids) => this.confirmAll(eventId, ids),
          (id) => this.release(eventId, id),
        );
        total.confirmed += settled.confirmed;
        total.released += settled.released;
        if (overdue.length < SWEEP_CHUNK) break;
      }
    }
    if (total.released > 0) this.logger.warn(total, "returned orphaned stock reservations to sale");
    return total;
  }
}
