import type { Selectable } from "kysely";
import { orderEventTypes, OrderPlaced } from "./events.js";
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

const orderTypes = new Set<string>(orderEventTypes.map((t) => t.type));

/**
 * The orders rows as they were before the run: the orders projection folds the run's events onto
 * them, and sale-events reads from them whether an ending order was still live. Orders placed in
 * the run are not read: they are new (the orders projection INSERTs them plainly, so a duplicate
 * OrderPlaced fails on the primary key), and the run's own events tell everything about them.
 */
export function ordersBefore(trx: Trx, ctx: RunContext): Promise<ReadonlyMap<string, OrderRow>> {
  return ctx.once("orders-before", async () => {
    const mine = ctx.events.filter((e) => orderTypes.has(e.type));
    const placed = new Set(mine.filter((e) => e.type === OrderPlaced.type).map(orderIdOf));
    const ids = [...new Set(mine.map(orderIdOf).filter((id): id is string => id !== null && !placed.has(id)))];
    if (ids.length === 0) return new Map<string, OrderRow>();
    const rows = await ctx.send(() => trx.selectFrom("orders").selectAll().where("order_id", "in", ids).execute());
    return new Map(rows.map((r) => [r.order_id, r]));
  });
}
