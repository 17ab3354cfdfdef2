export * from "./event-type.js";
export * from "./spec.js";
export * from "./ids.js";
export * from "./coupon/index.js";
