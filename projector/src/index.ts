export { startProjector, type Projector } from "./start.js";
export { readEnv, type ProjectorEnv } from "./env.js";
export { applyBatch, type ApplyResult } from "./apply.js";
export { APPLY_LOCK, APPLY_LOCK_WAIT_S, withApplyLock } from "./apply-lock.js";
export { StorePoller, type StorePollerHooks, type StorePollerOptions } from "./sources/store-poller.js";
export * from "./projections/index.js";
