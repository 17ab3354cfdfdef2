import { couponProjection } from "./coupons.js";
import { combine } from "./handler.js";

export * from "./handler.js";
export { couponProjection } from "./coupons.js";

/** Every read model the projector maintains. */
export const handlers = combine(couponProjection);
