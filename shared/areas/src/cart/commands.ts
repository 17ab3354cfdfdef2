import { notFound } from "@surge/platform/errors";
import type { EventStore } from "@surge/platform/eventstore/types";
import { metadataFor, type CommandContext } from "@surge/platform/command/context";
import { loadStream } from "@surge/platform/command/load";
import { handleStreams } from "@surge/platform/command/handle";
import type { SaleDefinitions } from "../sales/definitions.js";
import { saleIdOfDeal } from "../sales/schedule.js";
import type { StockGuard } from "../sales/stock-guard.js";
import { decideCart, evolveCart, initialCartState, type CartCommand, type CartState } from "./cart.js";
import { cartEventTypes, cartStream } from "./events.js";
import { cartViewOf, type CartItemView, type CartView } from "./view.js";

export interface CartDeps {
  store: EventStore;
  sales: SaleDefinitions;
  stock: StockGuard;
}

const cartModel = { types: cartEventTypes, initialState: initialCartState, evolve: evolveCart };

export const loadCart = (store: EventStore, userId: string) => loadStream(store, cartStream(userId), cartModel);

/** The sale a deal belongs to, or null when no sale has it. */
async function saleOfDeal(sales: SaleDefinitions, dealId: string): Promise<{ eventId: string } | null> {
  const eventId = saleIdOfDeal(dealId);
  const definition = eventId ? await sales.get(eventId) : null;
  return definition?.deals.some((d) => d.dealId === dealId) ? { eventId: definition.eventId } : null;
}

/**
 * PUT (quantity) or DELETE (null) of a cart line: load the cart, decide, append with its version.
 * `position` is the cart's last event (null: the user never had a cart).
 */
export async function changeCart(
  deps: CartDeps,
  dealId: string,
  quantity: number | null,
  ctx: CommandContext,
): Promise<{ state: CartState; position: number | null }> {
  return handleStreams(deps.store, async (unit) => {
    const cart = await unit.load(cartStream(ctx.userId), cartModel);
    const { state, events } = cart;
    const inCart = state.lines.some((l) => l.dealId === dealId);
    let command: CartCommand;
    if (quantity === null) {
      // Removing a line the cart does not have is a no-op, but only for a deal that exists.
      if (!inCart && !(await saleOfDeal(deps.sales, dealId))) throw notFound("deal");
      command = { type: "RemoveItem", userId: ctx.userId, dealId, now: ctx.now };
    } else {
      command = { type: "SetItem", userId: ctx.userId, dealId, deal: await saleOfDeal(deps.sales, dealId), quantity, now: ctx.now };
    }
    const decided = decideCart(state, command);
    if (decided.length === 0) return { state, position: events.at(-1)?.position ?? null };
    const { lastPosition } = await unit.append([unit.change(cart, decided, { metadata: metadataFor(ctx) })]);
    return { state: decided.reduce(evolveCart, state), position: lastPosition };
  });
}

/** The CartView of a cart as the command side knows it: prices from the sale definitions, status and stock from the stock guard. */
export async function commandCartView(deps: CartDeps, state: CartState): Promise<CartView> {
  const eventIds = [...new Set(state.lines.map((l) => l.eventId))];
  const sales = new Map(
    await Promise.all(
      eventIds.map(async (eventId) => {
        const [definition, snapshot] = await Promise.all([deps.sales.get(eventId), deps.stock.snapshot(eventId)]);
        return [eventId, { definition, snapshot }] as const;
      }),
    ),
  );
  const items = state.lines.map((line): CartItemView => {
    const sale = sales.get(line.eventId)!;
    const deal = sale.definition?.deals.find((d) => d.dealId === line.dealId);
    if (!deal) throw new Error(`cart line ${line.dealId} names a deal its sale ${line.eventId} does not have`);
    return {
      dealId: deal.dealId,
      eventId: line.eventId,
      productId: deal.productId,
      productName: deal.productName,
      unitPrice: deal.salePrice,
      quantity: line.quantity,
      lineAmount: deal.salePrice * line.quantity,
      remaining: sale.snapshot.remaining.get(deal.dealId) ?? 0,
      eventStatus: sale.snapshot.status,
    };
  });
  return cartViewOf(items, state.updatedAt);
}
