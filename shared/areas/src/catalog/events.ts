import { z } from "zod";
import { eventType, type EventOf } from "@surge/platform/events/event-type";
import { won } from "@surge/platform/events/schemas";

export const ProductCreated = eventType("ProductCreated", z.object({ productId: z.string().min(1), name: z.string().min(1), price: won }));
export const productEventTypes = [ProductCreated] as const;
export type ProductEvent = EventOf<typeof ProductCreated>;
export type Product = ProductEvent["data"];
export const productStream = (productId: string) => `product-${productId}`;
