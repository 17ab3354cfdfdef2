import type { Selectable } from "kysely";
import { OrderPlaced, type OrdersTable, type StoredEvent } from "@surge/shared";
import type { Trx } from "./handler.js";

export type OrderRow = Selectable<OrdersTable>;

/** The order id of an event about an order (every order and payment event carries one). */
export function orderIdOf(event: StoredEvent): string | null {
  const data = event.data as { orderId?: unknown } | null;
  return typeof data?.orderId === "string" ? data.orderId : null;
}

/**
 * What the projections of one batch run share. The orders rows as they were before the run:
 * per event, sale-events asks whether an ending order was still live before that event; in batch,
 * it folds from this snapshot, which reads the same whichever projection loads it first, because
 * both load it before writing (so projection order still does not matter). Orders placed in the
 * run are not read: they are new (the orders batch INSERTs them plainly, so a duplicate OrderPlaced
 * fails as the per-event INSERT does), and the run's own events tell everything about them.
 */
export class RunContext {
  private orders: Promise<ReadonlyMap<string, OrderRow>> | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  /** The first statement failure of the run: nothing more is sent after it. */
  failure: unknown = undefined;

  constructor(readonly events: readonly StoredEvent[]) {}

  ordersBefore(trx: Trx): Promise<ReadonlyMap<string, OrderRow>> {
    this.orders ??= (async () => {
      const placed = new Set(this.events.filter((e) => e.type === OrderPlaced.type).map(orderIdOf));
      const ids = [...new Set(this.events.map(orderIdOf).filter((id): id is string => id !== null && !placed.has(id)))];
      if (ids.length === 0) return new Map<string, OrderRow>();
      const rows = await this.send(() => trx.selectFrom("orders").selectAll().where("order_id", "in", ids).execute());
      return new Map(rows.map((r) => [r.order_id, r]));
    })();
    return this.orders;
  }

  /**
   * Sends one statement of a batch form. The forms run side by side (one folds while the server
   * runs another's statement), but their statements go one at a time and none after a failure: a
   * deadlock ends the transaction, and a statement sent after it would commit on its own.
   */
  send<T>(statement: () => Promise<T>): Promise<T> {
    const next = this.queue.then(() => {
      if (this.failure !== undefined) throw new Error("batch run aborted by an earlier statement's failure");
      return statement();
    });
    this.queue = next.catch((err: unknown) => {
      this.failure ??= err;
    });
    return next;
  }
}
