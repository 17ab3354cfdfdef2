export * from "./context.js";
export * from "./private-redis.js";
export * from "./env.js";
export * from "./http.js";
export * from "./paid-orders.js";
export * from "./kafka-mock.js";
export * from "./child-app.js";
export * from "./failing-writers.js";
