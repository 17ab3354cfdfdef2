export * from "./guard-kit.js";
export * from "./stock-guard.js";
export * from "./coupon-guard.js";
