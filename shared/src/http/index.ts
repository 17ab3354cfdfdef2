export * from "./app.js";
export * from "./auth.js";
export * from "./metrics.js";
export * from "./problem.js";
export * from "./validation.js";
export * from "./server.js";
export * from "./idempotency.js";
export * from "./rate-limit.js";
