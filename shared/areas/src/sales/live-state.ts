import type {} from "./tables.js";
import type { Db } from "@surge/platform/db/database";
import { remainingOf, type SaleStatus } from "./queries.js";

/** The orders-per-second figure averages over this many seconds, so one order shows as 0.2/s for 5 s. */
export const RATE_WINDOW_S = 5;

/** What the live stream watches: the changing parts of an event. */
export interface LiveState {
  status: SaleStatus;
  deals: Map<string, { remaining: number; sold: number }>;
  ordersPerSecond: number;
}

export async function readLiveState(db: Db, eventId: string, now = new Date()): Promise<LiveState | null> {
  const since = new Date(now.getTime() - RATE_WINDOW_S * 1000);
  const [event, deals, recent] = await Promise.all([
    db.selectFrom("sale_events").select("status").where("event_id", "=", eventId).executeTakeFirst(),
    db.selectFrom("sale_deals").select(["deal_id", "stock", "sold"]).where("event_id", "=", eventId).orderBy("ordinal").execute(),
    db
      .selectFrom("orders")
      .select((eb) => eb.fn.countAll().as("n"))
      .where("event_id", "=", eventId)
      .where("created_at", ">=", since)
      .executeTakeFirstOrThrow(),
  ]);
  if (!event) return null;
  return {
    status: event.status,
    deals: new Map(deals.map((d) => [d.deal_id, { remaining: remainingOf(d.stock, d.sold), sold: d.sold }])),
    ordersPerSecond: Number(recent.n) / RATE_WINDOW_S,
  };
}
