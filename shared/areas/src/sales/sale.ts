import { AppError } from "@surge/platform/errors";
import { saleEventTypes, type SaleDefinition, type SaleEvent } from "./events.js";

export type SaleStatus = "SCHEDULED" | "OPEN" | "CLOSED";
export type SaleState = { status: "absent" } | { status: SaleStatus; definition: SaleDefinition };

export type SaleCommand =
  | { type: "ScheduleSale"; definition: SaleDefinition; now: Date }
  | { type: "OpenSale"; now: Date; forced: boolean }
  | { type: "CloseSale"; now: Date; forced: boolean };

export const initialSaleState = (): SaleState => ({ status: "absent" });

export function evolveSale(state: SaleState, event: SaleEvent): SaleState {
  switch (event.type) {
    case "EventScheduled":
      return { status: "SCHEDULED", definition: event.data };
    case "EventOpened":
      return state.status === "absent" ? state : { ...state, status: "OPEN" };
    case "EventClosed":
      return state.status === "absent" ? state : { ...state, status: "CLOSED" };
  }
}

function scheduleErrors(d: SaleDefinition, now: Date) {
  const errors = [];
  if (d.closesAt !== null && Date.parse(d.closesAt) <= Date.parse(d.opensAt)) errors.push({ path: "closesAt", message: "must be after opensAt" });
  if (d.closesAt !== null && Date.parse(d.closesAt) <= now.getTime()) errors.push({ path: "closesAt", message: "must be in the future" });
  d.deals.forEach((deal, i) => {
    if (d.deals.findIndex((o) => o.productId === deal.productId) !== i) errors.push({ path: `deals.${i}.productId`, message: "appears twice" });
  });
  return errors;
}

/**
 * Opening and closing are idempotent: a repeated or late command decides nothing, so two
 * schedulers racing (with optimistic concurrency on the stream) produce one EventOpened.
 */
export function decideSale(state: SaleState, command: SaleCommand): SaleEvent[] {
  const at = command.now.toISOString();
  switch (command.type) {
    case "ScheduleSale": {
      if (state.status !== "absent") throw new AppError("CONFLICT", "event already exists");
      const d = command.definition;
      const errors = scheduleErrors(d, command.now);
      if (errors.length > 0) throw new AppError("VALIDATION_FAILED", "The event definition is not consistent.", { errors });
      const scheduled: SaleEvent = { type: "EventScheduled", data: d };
      if (Date.parse(d.opensAt) > command.now.getTime()) return [scheduled];
      return [scheduled, { type: "EventOpened", data: { eventId: d.eventId, openedAt: at, forced: false } }];
    }
    case "OpenSale": {
      if (state.status === "absent") throw new AppError("NOT_FOUND", "event not found");
      if (state.status === "OPEN") return [];
      if (state.status === "CLOSED") {
        if (command.forced) throw new AppError("INVALID_STATE", "A closed event cannot be opened again.");
        return [];
      }
      if (!command.forced && Date.parse(state.definition.opensAt) > command.now.getTime()) return [];
      return [{ type: "EventOpened", data: { eventId: state.definition.eventId, openedAt: at, forced: command.forced } }];
    }
    case "CloseSale": {
      if (state.status === "absent") throw new AppError("NOT_FOUND", "event not found");
      if (state.status === "CLOSED") return [];
      const closesAt = state.definition.closesAt;
      if (!command.forced && (closesAt === null || Date.parse(closesAt) > command.now.getTime())) return [];
      return [{ type: "EventClosed", data: { eventId: state.definition.eventId, closedAt: at, forced: command.forced } }];
    }
  }
}

export const saleDecider = { types: saleEventTypes, initialState: initialSaleState, evolve: evolveSale, decide: decideSale };
