import { z } from "zod";
import { eventType, type EventOf } from "@surge/platform/events/event-type";
import { instant, units, won } from "@surge/platform/events/schemas";

export const dealSchema = z.object({
  dealId: z.string(),
  productId: z.string(),
  productName: z.string(),
  salePrice: won,
  stock: units,
  perUserLimit: units,
});
export type Deal = z.infer<typeof dealSchema>;

export const EventScheduled = eventType(
  "EventScheduled",
  z.object({
    eventId: z.string(),
    name: z.string(),
    opensAt: instant,
    closesAt: instant.nullable(),
    deals: z.array(dealSchema).min(1),
    goods: z.object({ name: z.string(), quantity: units }).nullable(),
  }),
);
export const EventOpened = eventType("EventOpened", z.object({ eventId: z.string(), openedAt: instant, forced: z.boolean() }));
export const EventClosed = eventType("EventClosed", z.object({ eventId: z.string(), closedAt: instant, forced: z.boolean() }));

export const saleEventTypes = [EventScheduled, EventOpened, EventClosed] as const;
export type SaleEvent = EventOf<(typeof saleEventTypes)[number]>;
export type SaleDefinition = EventOf<typeof EventScheduled>["data"];

export const saleStream = (eventId: string) => `event-${eventId}`;
/** Every order event of a sale carries this tag, so the stock guard can be rebuilt from one index range. */
export const saleTag = (eventId: string) => `event:${eventId}`;
