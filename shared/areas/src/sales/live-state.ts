import type {} from "./tables.js";
import type { Db } from "@surge/platform/db/database";
import type { LiveDiff, LiveMessage } from "@surge/platform/live/client";
import { remainingOf, type SaleStatus, type SaleView } from "./queries.js";

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

/** One client's `status`, `stock` (only the deals that changed) and `rate` messages, from its snapshot on. */
export function saleDiff(snapshot: SaleView): LiveDiff<LiveState> {
  let status: string = snapshot.status;
  const deals = new Map(snapshot.deals.map((d) => [d.dealId, { remaining: d.remaining, sold: d.sold }]));
  let rate: number | null = null;
  return (state) => {
    const messages: LiveMessage[] = [];
    if (state.status !== status) {
      status = state.status;
      messages.push({ event: "status", data: { status: state.status } });
    }
    for (const [dealId, now] of state.deals) {
      const sent = deals.get(dealId);
      if (sent && sent.remaining === now.remaining && sent.sold === now.sold) continue;
      deals.set(dealId, now);
      messages.push({ event: "stock", data: { dealId, remaining: now.remaining, sold: now.sold } });
    }
    if (state.ordersPerSecond !== rate) {
      rate = state.ordersPerSecond;
      messages.push({ event: "rate", data: { ordersPerSecond: state.ordersPerSecond } });
    }
    return messages;
  };
}
