import type { Selectable } from "kysely";
import type { OrdersTable, StoredEvent } from "@surge/shared";
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
 * both load it before writing (so projection order still does not matter).
 */
export class RunContext {
  private orders: Promise<ReadonlyMap<string, OrderRow>> | null = null;

  constructor(readonly events: readonly StoredEvent[]) {}

  ordersBefore(trx: Trx): Promise<ReadonlyMap<string, OrderRow>> {
    this.orders ??= (async () => {
      const ids = [...new Set(this.events.map(orderIdOf).filter((id): id is string => id !== null))];
      if (ids.length === 0) return new Map<string, OrderRow>();
      const rows = await trx.selectFrom("orders").selectAll().where("order_id", "in", ids).execute();
      return new Map(rows.map((r) => [r.order_id, r]));
    })();
    return this.orders;
  }
}
