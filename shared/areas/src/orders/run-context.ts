import type { Selectable } from "kysely";
import { OrderPlaced } from "./events.js";
import type { OrdersTable } from "./tables.js";
import type { StoredEvent } from "@surge/platform/eventstore/types";
import type { Trx } from "@surge/platform/projection/handler";
import type { RunContext } from "@surge/platform/projection/run-context";

export type OrderRow = Selectable<OrdersTable>;

/** The order id of an event about an order (every order and payment event carries one). */
export function orderIdOf(event: StoredEvent): string | null {
  const data = event.data as { orderId?: unknown } | null;
  return typeof data?.orderId === "string" ? data.orderId : null;
}

/**
 * The orders rows as they were before the run. Per event, sale-events asks whether an ending order
 * was still live before that event; in batch, it folds from this snapshot. Orders placed in the run
 * are not read: they are new (the orders batch INSERTs them plainly, so a duplicate OrderPlaced fails
 * as the per-event INSERT does), and the run's own events tell everything about them.
 */
export function ordersBefore(trx: Trx, ctx: RunContext): Promise<ReadonlyMap<string, OrderRow>> {
  return ctx.once("orders-before", async () => {
    const placed = new Set(ctx.events.filter((e) => e.type === OrderPlaced.type).map(orderIdOf));
    const ids = [...new Set(ctx.events.map(orderIdOf).filter((id): id is string => id !== null && !placed.has(id)))];
    if (ids.length === 0) return new Map<string, OrderRow>();
    const rows = await ctx.send(() => trx.selectFrom("orders").selectAll().where("order_id", "in", ids).execute());
    return new Map(rows.map((r) => [r.order_id, r]));
  });
}
