import type {} from "./tables.js";
import { sql } from "kysely";
import { assertTimeZone, businessDate, periods, periodStart } from "./calendar.js";
import { asMetricTable, dateKey, metricTables } from "./metric-tables.js";
import { OrderCancelled, OrderPaid, PaymentRefunded } from "../orders/events.js";
import { salesByProduct, type ProductSale } from "./revenue.js";
import { type StoredEvent } from "@surge/platform/eventstore/types";
import { dataOf, withBatch, type Projection, type Trx } from "@surge/platform/projection/handler";
import { productMetricsBatch, salesSchema } from "./projection-batch.js";


/**
 * Adds (sign 1) or subtracts (sign -1) one order's sales to the day, ISO week and month of
 * `date`. Always daily, then weekly, then monthly: the nightly roll-up check locks in the same
 * order. `+=` is safe only because apply commits it with the event's event_handled row.
 */
async function bump(trx: Trx, event: StoredEvent, date: string, sales: ProductSale[], sign: 1 | -1): Promise<void> {
  if (sales.length === 0) return;
  for (const period of periods) {
    await trx
      .insertInto(asMetricTable(metricTables[period]))
      .values(
        sales.map((s) => ({
          period_start: periodStart(period, date),
          product_id: s.productId,
          product_name: s.productName,
          orders: sign,
          quantity: sign * s.quantity,
          revenue: sign * s.revenue,
          updated_position: event.position,
        })),
      )
      .onDuplicateKeyUpdate({
        orders: sql`orders + VALUES(orders)`,
        quantity: sql`quantity + VALUES(quantity)`,
        revenue: sql`revenue + VALUES(revenue)`,
        updated_position: sql`GREATEST(updated_position, VALUES(updated_position))`,
      })
      .execute();
  }
}

/**
 * Takes a paid order's sales back out of the period it was PAID in (not the period of the cancel
 * or refund). A paid order that is cancelled gets OrderCancelled and, once the money is back,
 * PaymentRefunded; whichever comes first reverses, the other finds the row reversed. A cancel of
 * an unpaid order, or a refund of a payment that never paid the order, finds no row.
 */
async function reverse(trx: Trx, event: StoredEvent, orderId: string, at: string): Promise<void> {
  const { numUpdatedRows } = await trx
    .updateTable("paid_sales")
    .set({ reversed_at: new Date(at), reversed_position: event.position })
    .where("order_id", "=", orderId)
    .where("reversed_at", "is", null)
    .executeTakeFirst();
  if (numUpdatedRows === 0n) return;
  const row = await trx.selectFrom("paid_sales").select(["business_date", "sales"]).where("order_id", "=", orderId).executeTakeFirstOrThrow();
  await bump(trx, event, dateKey(row.business_date), salesSchema.parse(JSON.parse(row.sales)), -1);
}

/**
 * product_metrics_{daily,weekly,monthly}: orders, units and revenue of paid orders per product,
 * counted in the business date (BUSINESS_TZ) of paidAt: the event's own time, never the time it
 * is projected, so a replay rebuilds the same history. Revenue is each line's share of the
 * payable amount (see salesByProduct).
 */
export function productMetricsProjection(businessTz: string): Projection {
  assertTimeZone(businessTz);
  return withBatch({
    [OrderPaid.type]: async (trx, event) => {
      const d = dataOf(OrderPaid, event);
      const sales = salesByProduct(d.items, d.payableAmount);
      const date = businessDate(new Date(d.paidAt), businessTz);
      // One row per order: a second OrderPaid for an order (never emitted, but cheap to refuse) adds nothing.
      const { numInsertedOrUpdatedRows } = await trx
        .insertInto("paid_sales")
        .ignore()
        .values({ order_id: d.orderId, paid_at: new Date(d.paidAt), business_date: date, sales: JSON.stringify(sales), paid_position: event.position, reversed_at: null, reversed_position: null })
        .executeTakeFirst();
      if (numInsertedOrUpdatedRows === 0n) return;
      await bump(trx, event, date, sales, 1);
    },

    [OrderCancelled.type]: async (trx, event) => {
      const d = dataOf(OrderCancelled, event);
      await reverse(trx, event, d.orderId, d.cancelledAt);
    },

    [PaymentRefunded.type]: async (trx, event) => {
      const d = dataOf(PaymentRefunded, event);
      await reverse(trx, event, d.orderId, d.refundedAt);
    },
  }, productMetricsBatch(businessTz));
}
