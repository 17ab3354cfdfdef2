import type {} from "./tables.js";
import type { Db } from "@surge/platform/db/database";
import type { Keyset } from "@surge/platform/http/pagination";

export const saleStatuses = ["SCHEDULED", "OPEN", "CLOSED"] as const;
export type SaleStatus = (typeof saleStatuses)[number];

export interface DealView {
  dealId: string;
  productId: string;
  productName: string;
  salePrice: number;
  stock: number;
  sold: number;
  remaining: number;
  perUserLimit: number;
}

export interface SaleView {
  eventId: string;
  name: string;
  status: SaleStatus;
  opensAt: string;
  closesAt: string | null;
  deals: DealView[];
  goods: { name: string; quantity: number; allocated: number } | null;
}

type SaleRow = {
  event_id: string;
  name: string;
  status: SaleStatus;
  opens_at: Date;
  closes_at: Date | null;
  goods_name: string | null;
  goods_quantity: number | null;
  goods_allocated: number;
};

export const remainingOf = (stock: number, sold: number) => Math.max(0, stock - sold);

async function dealsOf(db: Db, eventIds: string[]): Promise<Map<string, DealView[]>> {
  const byEvent = new Map<string, DealView[]>(eventIds.map((id) => [id, []]));
  if (eventIds.length === 0) return byEvent;
  const rows = await db.selectFrom("sale_deals").selectAll().where("event_id", "in", eventIds).orderBy("event_id").orderBy("ordinal").execute();
  for (const r of rows) {
    byEvent.get(r.event_id)?.push({
      dealId: r.deal_id,
      productId: r.product_id,
      productName: r.product_name,
      salePrice: Number(r.sale_price),
      stock: r.stock,
      sold: r.sold,
      remaining: remainingOf(r.stock, r.sold),
      perUserLimit: r.per_user_limit,
    });
  }
  return byEvent;
}

const viewOf = (r: SaleRow, deals: DealView[]): SaleView => ({
  eventId: r.event_id,
  name: r.name,
  status: r.status,
  opensAt: r.opens_at.toISOString(),
  closesAt: r.closes_at === null ? null : r.closes_at.toISOString(),
  deals,
  goods: r.goods_name === null ? null : { name: r.goods_name, quantity: r.goods_quantity ?? 0, allocated: r.goods_allocated },
});

const saleColumns = ["event_id", "name", "status", "opens_at", "closes_at", "goods_name", "goods_quantity", "goods_allocated"] as const;

export async function findSale(db: Db, eventId: string): Promise<SaleView | null> {
  const row = await db.selectFrom("sale_events").select(saleColumns).where("event_id", "=", eventId).executeTakeFirst();
  if (!row) return null;
  return viewOf(row, (await dealsOf(db, [eventId])).get(eventId) ?? []);
}

/** Events by opening time (soonest first), `limit + 1` of them after `after`. */
export async function listSales(db: Db, opts: { status?: SaleStatus | undefined; after: Keyset | null; limit: number }): Promise<SaleView[]> {
  let q = db.selectFrom("sale_events").select(saleColumns);
  if (opts.status) q = q.where("status", "=", opts.status);
  const after = opts.after;
  if (after) q = q.where((eb) => eb.or([eb("opens_at", ">", after.at), eb.and([eb("opens_at", "=", after.at), eb("event_id", ">", after.id)])]));
  const rows = await q
    .orderBy("opens_at")
    .orderBy("event_id")
    .limit(opts.limit + 1)
    .execute();
  const deals = await dealsOf(
    db,
    rows.map((r) => r.event_id),
  );
  return rows.map((r) => viewOf(r, deals.get(r.event_id) ?? []));
}
