export * from "./context.js";
export * from "./load.js";
export * from "./retry.js";
export * from "./claims.js";
export * from "./sale-events.js";
export * from "./sale-definitions.js";
export * from "./orders.js";
export * from "./order-view.js";
