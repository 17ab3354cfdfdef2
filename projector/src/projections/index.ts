import { DEFAULT_BUSINESS_TZ } from "@surge/shared";
import { couponClaimProjection } from "./coupon-claims.js";
import { couponProjection } from "./coupons.js";
import { combine } from "./handler.js";
import { orderProjection } from "./orders.js";
import { productMetricsProjection } from "./product-metrics.js";
import { productProjection } from "./products.js";
import { saleEventProjection } from "./sale-events.js";
import { walletProjection } from "./wallets.js";

export * from "./handler.js";
export { couponProjection } from "./coupons.js";
export { couponClaimProjection } from "./coupon-claims.js";
export { productProjection } from "./products.js";
export { saleEventProjection } from "./sale-events.js";
export { orderProjection } from "./orders.js";
export { walletProjection } from "./wallets.js";
export { productMetricsProjection } from "./product-metrics.js";

/** Every read model the projector maintains; sales metrics are dated in `businessTz` (BUSINESS_TZ). */
export const handlersFor = (businessTz: string) =>
  combine(couponProjection, couponClaimProjection, productProjection, saleEventProjection, orderProjection, walletProjection, productMetricsProjection(businessTz));

/** The same, in the contract's default business time zone (tests and tools). */
export const handlers = handlersFor(DEFAULT_BUSINESS_TZ);
