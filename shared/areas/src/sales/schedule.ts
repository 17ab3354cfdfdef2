import { AppError, ConcurrencyError } from "@surge/platform/errors";
import type { EventStore } from "@surge/platform/eventstore/types";
import type { StockGuard } from "./stock-guard.js";
import { newId } from "@surge/platform/ids";
import { productEventTypes, productStream, type Product } from "../catalog/events.js";
import { parseEvent } from "@surge/platform/events/event-type";
import { decideSale, initialSaleState, saleDecider } from "./sale.js";
import { saleStream, saleEventTypes, type SaleDefinition } from "./events.js";
import { metadataFor, type CommandContext } from "@surge/platform/command/context";
import { handle } from "@surge/platform/command/handle";
import { loadStream } from "@surge/platform/command/load";
import { bindEvents } from "@surge/platform/events/new-event";
import { appendEndPosition, replayOf } from "@surge/platform/command/replay";

export interface SaleDeps {
  store: EventStore;
  stock: StockGuard;
}

export interface ScheduleSaleInput {
  name: string;
  opensAt: string;
  closesAt?: string | undefined;
  deals: Array<{ productId: string; salePrice: number; stock: number; perUserLimit: number }>;
  goods?: { name: string; quantity: number } | undefined;
}

/** Deal ids carry their event id, so an order naming only deals finds its event without a lookup. */
export const dealIdFor = (eventId: string, index: number) => `${eventId}-d${index + 1}`;
export const saleIdOfDeal = (dealId: string): string | null => {
  const m = /^(.+)-d\d{1,3}$/.exec(dealId);
  return m ? m[1]! : null;
};

async function loadProduct(store: EventStore, productId: string): Promise<Product | null> {
  const [first] = await store.readStream(productStream(productId), { toVersion: 1 });
  const e = first ? parseEvent(productEventTypes, first) : null;
  return e?.data ?? null;
}

/** `eventId` is derived from the request's Idempotency-Key when it has one (see createdIdFor). */
export async function scheduleSale(deps: SaleDeps, input: ScheduleSaleInput, ctx: CommandContext, eventId = newId()) {
  const deals = await Promise.all(
    input.deals.map(async (d, i) => {
      const product = await loadProduct(deps.store, d.productId);
      if (!product) throw new AppError("VALIDATION_FAILED", "Unknown product.", { errors: [{ path: `deals.${i}.productId`, message: "no such product" }] });
      return {
        dealId: dealIdFor(eventId, i),
        productId: d.productId,
        productName: product.name,
        salePrice: d.salePrice,
        stock: d.stock,
        perUserLimit: d.perUserLimit,
      };
    }),
  );
  const definition: SaleDefinition = {
    eventId,
    name: input.name,
    opensAt: new Date(input.opensAt).toISOString(),
    closesAt: input.closesAt === undefined ? null : new Date(input.closesAt).toISOString(),
    deals,
    goods: input.goods ?? null,
  };
  const events = decideSale(initialSaleState(), { type: "ScheduleSale", definition, now: ctx.now });
  try {
    const appended = await deps.store.append(saleStream(eventId), "no_stream", bindEvents(saleEventTypes, events, { metadata: metadataFor(ctx) }));
    const status = events.some((e) => e.type === "EventOpened") ? "OPEN" : "SCHEDULED";
    return { definition, status, position: appended.lastPosition, replayed: false } as const;
  } catch (err) {
    if (!(err instanceof ConcurrencyError)) throw err;
    const before = await scheduledBefore(deps.store, eventId, ctx);
    if (!before) throw err;
    return before;
  }
}

/** The sale this Idempotency-Key scheduled before, answered as then: opened in the same append, or scheduled. */
async function scheduledBefore(store: EventStore, eventId: string, ctx: CommandContext) {
  const stream = await store.readStream(saleStream(eventId));
  const first = replayOf(stream[0], ctx);
  if (first?.type !== "EventScheduled") return null;
  const sameAppend = stream.filter((e) => e.metadata.correlationId === first.metadata.correlationId);
  const status = sameAppend.some((e) => e.type === "EventOpened") ? "OPEN" : "SCHEDULED";
  return { definition: first.data as SaleDefinition, status, position: await appendEndPosition(store, first), replayed: true } as const;
}

/**
 * Opens or closes an event (forced by an admin, or due by the schedule). Idempotent: when the
 * transition already happened nothing is appended and the current state is returned.
 */
export async function transitionSale(deps: SaleDeps, eventId: string, to: "OPEN" | "CLOSED", forced: boolean, ctx: CommandContext) {
  const command = to === "OPEN" ? ({ type: "OpenSale", now: ctx.now, forced } as const) : ({ type: "CloseSale", now: ctx.now, forced } as const);
  const { state, events, position, loaded } = await handle(deps.store, saleStream(eventId), saleDecider, command, { metadata: metadataFor(ctx) });
  if (state.status !== "absent") await deps.stock.setStatus(eventId, state.status, loaded.version + events.length);
  return { state, changed: events.length > 0, position };
}

/**
 * Sets the guard's status to the sale's status in the store. A transition's own status write can
 * fail after its append (Redis down for a moment), and its retry finds nothing left to append:
 * this is what repairs the guard then. Returns whether the guard's status was wrong.
 */
export async function syncSaleStatus(deps: SaleDeps, eventId: string): Promise<boolean> {
  const { state, version } = await loadStream(deps.store, saleStream(eventId), saleDecider);
  if (state.status === "absent") return false;
  return deps.stock.syncStatus(eventId, state.status, version);
}
