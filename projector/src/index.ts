export { startProjector, type Projector } from "./start.js";
export { readEnv, type ProjectorEnv } from "./env.js";
export { applyBatch, type ApplyResult } from "./apply.js";
export { StorePoller, type StorePollerHooks, type StorePollerOptions } from "./sources/store-poller.js";
export * from "./projections/index.js";
