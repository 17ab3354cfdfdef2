export { startQueryApi, type QueryApi } from "./start.js";
export { readEnv, type QueryApiEnv } from "./env.js";
