import { z } from "@hono/zod-openapi";
import { discountSchema } from "./coupon-events.js";

/** A coupon drop as defined (the answer to its creation; the query side adds its counts). */
export const couponBody = z
  .object({
    couponId: z.string(),
    name: z.string(),
    discount: discountSchema,
    quantity: z.number().int(),
    perUserLimit: z.number().int(),
    minOrderAmount: z.number().int(),
    claimOpensAt: z.string(),
    claimClosesAt: z.string().nullable(),
    validUntil: z.string().nullable(),
  })
  .openapi("Coupon");
