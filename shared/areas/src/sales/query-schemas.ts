import { z } from "@hono/zod-openapi";
import { saleStatuses } from "./queries.js";

export const dealBody = z.object({
  dealId: z.string(),
  productId: z.string(),
  productName: z.string(),
  salePrice: z.number().int(),
  stock: z.number().int(),
  sold: z.number().int(),
  remaining: z.number().int(),
  perUserLimit: z.number().int(),
});

export const saleBody = z
  .object({
    eventId: z.string(),
    name: z.string(),
    status: z.enum(saleStatuses),
    opensAt: z.string(),
    closesAt: z.string().nullable(),
    deals: z.array(dealBody),
    goods: z.object({ name: z.string(), quantity: z.number().int(), allocated: z.number().int() }).nullable(),
  })
  .openapi("SaleEventView");
