import { AppError } from "@surge/platform/errors";
import { applyOrderCommand } from "../payments/pay.js";
import { GoodsReleased, OrderPaid } from "../orders/events.js";
import { parseEvent } from "@surge/platform/events/event-type";
import { readCheckpoint } from "@surge/platform/db/checkpoints";
import { systemContext } from "@surge/platform/command/context";
import { type Db } from "@surge/platform/db/database";
import { type EventStore, type StoredEvent } from "@surge/platform/eventstore/types";
import { type Logger } from "pino";
import { type SaleDefinitions } from "../sales/definitions.js";
import { type StockGuard } from "../sales/stock-guard.js";
import { saveCheckpoint } from "@surge/platform/process/checkpoint";
import type { TailHandler } from "@surge/platform/process/log-tail";

export const GOODS_ALLOCATION_CHECKPOINT = "goods-allocation";

/**
 * Process manager: the first `goods.quantity` orders of an event to reach PAID get a goods unit.
 * OrderPaid events are handled one by one in log order, which is the order of payment: the Redis
 * gate (`allocateGoods`, idempotent by order id) grants a unit if one is left, then AllocateGoods
 * records it. When that decides nothing because the order is no longer PAID (cancelled meanwhile),
 * the unit goes back to the pool. A GoodsReleased (a paid order cancelled) returns its unit here
 * too, so the pool is right even if the command that cancelled died before releasing.
 */
export class GoodsAllocation implements TailHandler {
  readonly name = GOODS_ALLOCATION_CHECKPOINT;
  /**
   * Handled up to here in this process. A batch that fails part-way is delivered again; skipping
   * what was done keeps a unit freed by a later cancellation from going to an earlier payer.
   */
  private done = 0;

  constructor(
    private readonly db: Db,
    private readonly deps: { store: EventStore; stock: StockGuard },
    private readonly sales: SaleDefinitions,
    private readonly logger: Logger,
    private readonly onAllocated: () => void = () => undefined,
  ) {}

  async start(): Promise<number> {
    this.done = await readCheckpoint(this.db, GOODS_ALLOCATION_CHECKPOINT);
    return this.done;
  }

  async handle(events: StoredEvent[]): Promise<void> {
    for (const raw of events) {
      if (raw.position <= this.done) continue;
      const e = parseEvent([OrderPaid, GoodsReleased], raw);
      try {
        if (e?.type === "OrderPaid") await this.allocate(e.data.eventId, e.data.orderId);
        else if (e?.type === "GoodsReleased") await this.deps.stock.releaseGoods(e.data.eventId, e.data.orderId);
      } catch (err) {
        // The sale is gone from the store: there is no pool to take from or return to.
        if (!(err instanceof AppError && err.code === "NOT_FOUND")) throw err;
        this.logger.warn({ orderId: e?.data.orderId, eventId: e?.data.eventId }, "goods of an unknown sale; skipped");
      }
      this.done = raw.position;
    }
    const last = events.at(-1);
    if (last) await saveCheckpoint(this.db, GOODS_ALLOCATION_CHECKPOINT, last.position);
  }

  private async allocate(eventId: string, orderId: string): Promise<void> {
    const goods = (await this.sales.get(eventId))?.goods;
    if (!goods) return;
    if (!(await this.deps.stock.allocateGoods(eventId, orderId))) return;
    const ctx = systemContext("goods");
    const { state, changed } = await applyOrderCommand(this.deps, orderId, { type: "AllocateGoods", name: goods.name, now: ctx.now }, ctx);
    if (changed) {
      this.onAllocated();
      this.logger.info({ orderId, eventId, goods: goods.name }, "goods unit allocated");
    } else if (state.status !== "PAID" || !state.goods) {
      // No longer paid: the unit this order just took goes back to the pool for the next payer.
      await this.deps.stock.releaseGoods(eventId, orderId);
    }
  }
}
