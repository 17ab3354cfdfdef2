import type {} from "./tables.js";
import type {} from "../sales/tables.js";
import type { Db } from "@surge/platform/db/database";
import type { Keyset } from "@surge/platform/http/pagination";
import { remainingOf, type SaleStatus } from "../sales/queries.js";

/** A deal of a sale that is still ahead or running. */
export interface ProductDealView {
  dealId: string;
  eventId: string;
  eventName: string;
  eventStatus: SaleStatus;
  opensAt: string;
  closesAt: string | null;
  salePrice: number;
  stock: number;
  remaining: number;
  perUserLimit: number;
}

export interface ProductView {
  productId: string;
  name: string;
  price: number;
  likes: number;
  views: number;
  deals: ProductDealView[];
}

/** The sale statuses whose deals a product shows (and that make it `onSale`). */
const LIVE: SaleStatus[] = ["SCHEDULED", "OPEN"];

const productColumns = ["product_id", "name", "price", "likes", "views", "created_at"] as const;
type ProductRow = { product_id: string; name: string; price: number; likes: number; views: number; created_at: Date };

/** The live deals of these products, soonest sale first. */
async function dealsOf(db: Db, productIds: string[]): Promise<Map<string, ProductDealView[]>> {
  const byProduct = new Map<string, ProductDealView[]>(productIds.map((id) => [id, []]));
  if (productIds.length === 0) return byProduct;
  const rows = await db
    .selectFrom("sale_deals as d")
    .innerJoin("sale_events as e", "e.event_id", "d.event_id")
    .select([
      "d.product_id",
      "d.deal_id",
      "d.event_id",
      "e.name",
      "e.status",
      "e.opens_at",
      "e.closes_at",
      "d.sale_price",
      "d.stock",
      "d.sold",
      "d.per_user_limit",
    ])
    .where("d.product_id", "in", productIds)
    .where("e.status", "in", LIVE)
    .orderBy("e.opens_at")
    .orderBy("d.event_id")
    .orderBy("d.ordinal")
    .execute();
  for (const r of rows) {
    byProduct.get(r.product_id)?.push({
      dealId: r.deal_id,
      eventId: r.event_id,
      eventName: r.name,
      eventStatus: r.status,
      opensAt: r.opens_at.toISOString(),
      closesAt: r.closes_at === null ? null : r.closes_at.toISOString(),
      salePrice: Number(r.sale_price),
      stock: r.stock,
      remaining: remainingOf(r.stock, r.sold),
      perUserLimit: r.per_user_limit,
    });
  }
  return byProduct;
}

const viewOf = (r: ProductRow, deals: ProductDealView[]): ProductView => ({
  productId: r.product_id,
  name: r.name,
  price: Number(r.price),
  likes: Number(r.likes),
  views: Number(r.views),
  deals,
});

export async function findProduct(db: Db, productId: string): Promise<ProductView | null> {
  const row = await db.selectFrom("products").select(productColumns).where("product_id", "=", productId).executeTakeFirst();
  if (!row) return null;
  return viewOf(row, (await dealsOf(db, [productId])).get(productId) ?? []);
}

/** Products newest first, `limit + 1` of them after `after`; `onSale`: only those with (true) or without (false) a live deal. */
export async function listProducts(
  db: Db,
  opts: { onSale?: boolean | undefined; after: Keyset | null; limit: number },
): Promise<Array<ProductView & { createdAt: Date }>> {
  let q = db.selectFrom("products as p").select(productColumns.map((c) => `p.${c}` as const));
  const onSale = opts.onSale;
  if (onSale !== undefined) {
    q = q.where((eb) => {
      const live = eb.exists(
        eb
          .selectFrom("sale_deals as d")
          .innerJoin("sale_events as e", "e.event_id", "d.event_id")
          .select("d.deal_id")
          .whereRef("d.product_id", "=", "p.product_id")
          .where("e.status", "in", LIVE),
      );
      return onSale ? live : eb.not(live);
    });
  }
  const after = opts.after;
  if (after) q = q.where((eb) => eb.or([eb("p.created_at", "<", after.at), eb.and([eb("p.created_at", "=", after.at), eb("p.product_id", "<", after.id)])]));
  const rows = await q
    .orderBy("p.created_at", "desc")
    .orderBy("p.product_id", "desc")
    .limit(opts.limit + 1)
    .execute();
  const deals = await dealsOf(
    db,
    rows.map((r) => r.product_id),
  );
  return rows.map((r) => ({ ...viewOf(r, deals.get(r.product_id) ?? []), createdAt: r.created_at }));
}
