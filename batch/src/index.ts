export { startBatch, type Batch } from "./start.js";
export { readEnv, type BatchEnv } from "./env.js";
export { LogTail, type TailHandler, type LogTailOptions } from "./log-tail.js";
export { RedisLocks, type LockOutcome } from "./lock.js";
export { EventScheduler } from "./jobs/event-scheduler.js";
export { OrderExpiry } from "./jobs/order-expiry.js";
export { StockReleaseFollower, STOCK_RELEASE_CHECKPOINT } from "./jobs/stock-release.js";
