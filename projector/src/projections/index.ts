import { couponClaimProjection } from "./coupon-claims.js";
import { couponProjection } from "./coupons.js";
import { combine } from "./handler.js";
import { orderProjection } from "./orders.js";
import { productProjection } from "./products.js";
import { saleEventProjection } from "./sale-events.js";

export * from "./handler.js";
export { couponProjection } from "./coupons.js";
export { couponClaimProjection } from "./coupon-claims.js";
export { productProjection } from "./products.js";
export { saleEventProjection } from "./sale-events.js";
export { orderProjection } from "./orders.js";

/** Every read model the projector maintains. */
export const handlers = combine(couponProjection, couponClaimProjection, productProjection, saleEventProjection, orderProjection);
