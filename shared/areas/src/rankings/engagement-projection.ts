import type {} from "./tables.js";
import type {} from "../catalog/tables.js";
import { sql } from "kysely";
import { assertTimeZone, businessDate, periods, periodStart } from "./calendar.js";
import { asMetricTable, metricTables } from "./metric-tables.js";
import { ProductLiked, ProductUnliked, ProductViewsCounted } from "../engagement/events.js";
import { type StoredEvent } from "@surge/platform/eventstore/types";
import { dataOf, type Projection, type Trx } from "@surge/platform/projection/handler";

/**
 * Adds views or likes to the day, ISO week and month of `at` (daily, weekly, monthly: the roll-up
 * check's lock order). A product with views but no sales gets a row with zero sales, which the
 * QUANTITY and REVENUE rankings leave out as they do a product whose sales were all taken back.
 */
async function bump(trx: Trx, event: StoredEvent, productId: string, at: string, businessTz: string, change: { views: number; likes: number }): Promise<void> {
  const product = await trx.selectFrom("products").select("name").where("product_id", "=", productId).executeTakeFirst();
  // Positions are applied in order and commands check the product first: a missing row is a bug to stall on.
  if (!product) throw new Error(`event ${event.eventId} is about product ${productId}, which the products read model does not have`);
  const date = businessDate(new Date(at), businessTz);
  for (const period of periods) {
    await trx
      .insertInto(asMetricTable(metricTables[period]))
      .values({
        period_start: periodStart(period, date),
        product_id: productId,
        product_name: product.name,
        orders: 0,
        quantity: 0,
        revenue: 0,
        ...change,
        updated_position: event.position,
      })
      .onDuplicateKeyUpdate({
        views: sql`views + VALUES(views)`,
        likes: sql`likes + VALUES(likes)`,
        updated_position: sql`GREATEST(updated_position, VALUES(updated_position))`,
      })
      .execute();
  }
}

/**
 * Views and likes in product_metrics_*, each in the business date (BUSINESS_TZ) on which it
 * happened: a like on its likedAt, a withdrawal on its unlikedAt (so a like withdrawn on a later
 * day leaves the earlier day's count and takes one off the later day), views on their minute.
 * Dates come from the events, never from when they are projected, so a replay rebuilds the same.
 */
export function engagementMetricsProjection(businessTz: string): Projection {
  assertTimeZone(businessTz);
  return {
    [ProductLiked.type]: async (trx, event) => {
      const d = dataOf(ProductLiked, event);
      await bump(trx, event, d.productId, d.likedAt, businessTz, { views: 0, likes: 1 });
    },
    [ProductUnliked.type]: async (trx, event) => {
      const d = dataOf(ProductUnliked, event);
      await bump(trx, event, d.productId, d.unlikedAt, businessTz, { views: 0, likes: -1 });
    },
    [ProductViewsCounted.type]: async (trx, event) => {
      const d = dataOf(ProductViewsCounted, event);
      await bump(trx, event, d.productId, d.minute, businessTz, { views: d.views, likes: 0 });
    },
  };
}
