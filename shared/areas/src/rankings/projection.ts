import { sql, type Insertable } from "kysely";
import { z } from "zod";
import { asMetricTable, dateKey, metricTables } from "./metric-tables.js";
import { assertTimeZone, businessDate, periods, periodStart } from "./calendar.js";
import { OrderCancelled, OrderPaid, PaymentRefunded } from "../orders/events.js";
import { ProductLiked, ProductUnliked, ProductViewsCounted } from "../engagement/events.js";
import { ProductCreated } from "../catalog/events.js";
import type {} from "../catalog/tables.js";
import { salesByProduct, type ProductSale } from "./revenue.js";
import { type ProductMetricsTable } from "./tables.js";
import { type StoredEvent } from "@surge/platform/eventstore/types";
import { dataOf, typesOf, type Projection, type Trx } from "@surge/platform/projection/handler";
import { insertRows } from "@surge/platform/projection/multi-row";
import { orderIdOf } from "../orders/run-context.js";
import type { RunContext } from "@surge/platform/projection/run-context";

/** paid_sales.sales: the ProductSale[] the payment added (read back by reversals). */
const salesSchema = z.array(z.object({ productId: z.string(), productName: z.string(), quantity: z.number().int(), revenue: z.number().int() }));

interface PaidSale {
  date: string;
  sales: ProductSale[];
  reversed: boolean;
  /** Set when the row is first written by this run (inserted whole at the end). */
  insert?: { paid_at: Date; paid_position: number };
  reversedAt?: Date;
  reversedPosition?: number;
}

/** A product_metrics_* row as inserted; its counters are summed in place while the run folds. */
type Bump = Insertable<ProductMetricsTable> & { views: number; likes: number };

/** Net counter changes per (period, period_start, product): one upsert row each, summed as `+=` would. */
class Bumps {
  readonly byPeriod = new Map(periods.map((p) => [p, new Map<string, Bump>()]));
  add(date: string, sales: readonly ProductSale[], sign: 1 | -1, position: number): void {
    for (const period of periods) {
      const rows = this.byPeriod.get(period)!;
      const start = periodStart(period, date);
      for (const s of sales) {
        const row = this.row(rows, start, s.productId, s.productName, position);
        row.orders += sign;
        row.quantity += sign * s.quantity;
        row.revenue += sign * s.revenue;
      }
    }
  }

  /** Views and likes, in the periods of the business date they happened on. */
  engage(date: string, productId: string, productName: string, change: { views: number; likes: number }, position: number): void {
    for (const period of periods) {
      const row = this.row(this.byPeriod.get(period)!, periodStart(period, date), productId, productName, position);
      row.views += change.views;
      row.likes += change.likes;
    }
  }

  private row(rows: Map<string, Bump>, start: string, productId: string, productName: string, position: number): Bump {
    const key = `${start}\u0000${productId}`;
    // A new row keeps the first event's product name: the upsert never changes it.
    const row = rows.get(key) ?? {
      period_start: start,
      product_id: productId,
      product_name: productName,
      orders: 0,
      quantity: 0,
      revenue: 0,
      views: 0,
      likes: 0,
      updated_position: position,
    };
    row.updated_position = Math.max(row.updated_position, position);
    rows.set(key, row);
    return row;
  }
}

/** The engagement events of a run, as (product, when, change): a like on its likedAt, a withdrawal on its unlikedAt, views on their minute. */
function engagementOf(event: StoredEvent): { productId: string; at: string; change: { views: number; likes: number } } | null {
  if (event.type === ProductLiked.type) {
    const d = dataOf(ProductLiked, event);
    return { productId: d.productId, at: d.likedAt, change: { views: 0, likes: 1 } };
  }
  if (event.type === ProductUnliked.type) {
    const d = dataOf(ProductUnliked, event);
    return { productId: d.productId, at: d.unlikedAt, change: { views: 0, likes: -1 } };
  }
  if (event.type === ProductViewsCounted.type) {
    const d = dataOf(ProductViewsCounted, event);
    return { productId: d.productId, at: d.minute, change: { views: d.views, likes: 0 } };
  }
  return null;
}

/**
 * Product names for the engagement rows: from the run's own ProductCreated events (the products
 * projection may not have inserted them yet), else from the products read model. Commands check a
 * product exists before it is liked or viewed, so a missing one is a bug to stall on.
 */
async function productNames(trx: Trx, ctx: RunContext, productIds: ReadonlySet<string>): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const e of ctx.events) {
    if (e.type !== ProductCreated.type) continue;
    const d = dataOf(ProductCreated, e);
    if (productIds.has(d.productId)) names.set(d.productId, d.name);
  }
  const missing = [...productIds].filter((id) => !names.has(id));
  if (missing.length > 0) {
    const rows = await ctx.send(() => trx.selectFrom("products").select(["product_id", "name"]).where("product_id", "in", missing).execute());
    for (const r of rows) names.set(r.product_id, r.name);
  }
  for (const id of productIds) if (!names.has(id)) throw new Error(`views or likes of product ${id}, which the products read model does not have`);
  return names;
}

/**
 * product_metrics_{daily,weekly,monthly}: orders, units and revenue of paid orders per product,
 * and the views and likes that happened in the period (a like withdrawn on a later day takes one
 * off that later day),
 * counted in the business date (BUSINESS_TZ) of paidAt: the event's own time, never the time it
 * is projected, so a replay rebuilds the same history. Revenue is each line's share of the
 * payable amount (see salesByProduct). paid_sales keeps each paid order's sales, so a cancel or
 * refund takes them back out of the period the order was PAID in (not the period of the cancel or
 * refund): a paid order that is cancelled gets OrderCancelled and, once the money is back,
 * PaymentRefunded; whichever comes first reverses, the other finds the row reversed. A cancel of
 * an unpaid order, or a refund of a payment that never paid the order, finds no row.
 *
 * A run loads its paid_sales rows in one SELECT, folds the pays and reversals in position order,
 * then writes the new paid_sales rows in one INSERT and one upsert per period table (daily,
 * weekly, monthly: the roll-up check's lock order). `+=` is safe only because apply commits it
 * with the events' event_handled rows.
 */
export function productMetricsProjection(businessTz: string): Projection {
  assertTimeZone(businessTz);
  return {
    types: typesOf(OrderPaid, OrderCancelled, PaymentRefunded, ProductLiked, ProductUnliked, ProductViewsCounted),
    async run(trx: Trx, events: readonly StoredEvent[], ctx: RunContext) {
      const engaged = new Set(events.flatMap((e) => engagementOf(e)?.productId ?? []));
      const names = engaged.size === 0 ? new Map<string, string>() : await productNames(trx, ctx, engaged);
      const ids = [
        ...new Set(
          events
            .filter((e) => engagementOf(e) === null)
            .map(orderIdOf)
            .filter((id): id is string => id !== null),
        ),
      ];
      const rows =
        ids.length === 0
          ? []
          : await ctx.send(() =>
              trx.selectFrom("paid_sales").select(["order_id", "business_date", "sales", "reversed_at"]).where("order_id", "in", ids).execute(),
            );
      const paid = new Map<string, PaidSale>(
        rows.map((r) => [r.order_id, { date: dateKey(r.business_date), sales: salesSchema.parse(JSON.parse(r.sales)), reversed: r.reversed_at !== null }]),
      );
      const bumps = new Bumps();
      for (const event of events) {
        const engagement = engagementOf(event);
        if (engagement) {
          bumps.engage(
            businessDate(new Date(engagement.at), businessTz),
            engagement.productId,
            names.get(engagement.productId)!,
            engagement.change,
            event.position,
          );
          continue;
        }
        if (event.type === OrderPaid.type) {
          const d = dataOf(OrderPaid, event);
          // One row per order: a second OrderPaid (never emitted, but cheap to refuse) adds nothing.
          if (paid.has(d.orderId)) continue;
          const sale: PaidSale = {
            date: businessDate(new Date(d.paidAt), businessTz),
            sales: salesByProduct(d.items, d.payableAmount),
            reversed: false,
            insert: { paid_at: new Date(d.paidAt), paid_position: event.position },
          };
          paid.set(d.orderId, sale);
          bumps.add(sale.date, sale.sales, 1, event.position);
          continue;
        }
        const { orderId, at } = event.type === OrderCancelled.type ? cancelOf(event) : refundOf(event);
        const sale = paid.get(orderId);
        // The first cancel or refund of a paid order reverses it, in the period it was paid in.
        if (!sale || sale.reversed) continue;
        Object.assign(sale, { reversed: true, reversedAt: new Date(at), reversedPosition: event.position });
        bumps.add(sale.date, sale.sales, -1, event.position);
      }
      await write(trx, ctx, paid, bumps);
    },
  };
}

const cancelOf = (e: StoredEvent) => {
  const d = dataOf(OrderCancelled, e);
  return { orderId: d.orderId, at: d.cancelledAt };
};
const refundOf = (e: StoredEvent) => {
  const d = dataOf(PaymentRefunded, e);
  return { orderId: d.orderId, at: d.refundedAt };
};

async function write(trx: Trx, ctx: RunContext, paid: Map<string, PaidSale>, bumps: Bumps): Promise<void> {
  const inserts = [...paid].filter(([, s]) => s.insert);
  const paidRows = inserts.map(([orderId, s]) => [
    orderId,
    s.insert!.paid_at,
    s.date,
    JSON.stringify(s.sales),
    s.insert!.paid_position,
    s.reversedAt ?? null,
    s.reversedPosition ?? null,
  ]);
  const paidColumns = ["order_id", "paid_at", "business_date", "sales", "paid_position", "reversed_at", "reversed_position"];
  await ctx.send(() => insertRows(trx, "paid_sales", paidColumns, paidRows));
  // Reversals of rows paid in an earlier run: rare (a paid order cancelled or refunded), one each.
  for (const [orderId, s] of paid) {
    if (s.insert || s.reversedAt === undefined) continue;
    const { reversedAt, reversedPosition } = s;
    await ctx.send(() =>
      trx
        .updateTable("paid_sales")
        .set({ reversed_at: reversedAt, reversed_position: reversedPosition ?? null })
        .where("order_id", "=", orderId)
        .where("reversed_at", "is", null)
        .execute(),
    );
  }
  for (const period of periods) {
    const rows = [...bumps.byPeriod.get(period)!.values()].sort((a, b) => (a.period_start + a.product_id < b.period_start + b.product_id ? -1 : 1));
    if (rows.length === 0) continue;
    await ctx.send(() =>
      trx
        .insertInto(asMetricTable(metricTables[period]))
        .values(rows)
        .onDuplicateKeyUpdate({
          orders: sql`orders + VALUES(orders)`,
          quantity: sql`quantity + VALUES(quantity)`,
          revenue: sql`revenue + VALUES(revenue)`,
          views: sql`views + VALUES(views)`,
          likes: sql`likes + VALUES(likes)`,
          updated_position: sql`GREATEST(updated_position, VALUES(updated_position))`,
        })
        .execute(),
    );
  }
}
