import { DEFAULT_BUSINESS_TZ } from "./rankings/calendar.js";
import { cartProjection } from "./cart/projection.js";
import { combine } from "@surge/platform/projection/handler";
import { couponProjection } from "./coupons/projection.js";
import { orderProjection } from "./orders/projection.js";
import { productMetricsProjection } from "./rankings/projection.js";
import { productProjection } from "./catalog/projection.js";
import { saleProjection } from "./sales/projection.js";
import { walletProjection } from "./wallet/projection.js";

/** Every read model the projector maintains; sales, views and likes are dated in `businessTz` (BUSINESS_TZ). */
export const handlersFor = (businessTz: string) =>
  combine(couponProjection, productProjection, saleProjection, orderProjection, walletProjection, productMetricsProjection(businessTz), cartProjection);

/** The same, in the contract's default business time zone (tests and tools). */
export const handlers = handlersFor(DEFAULT_BUSINESS_TZ);
