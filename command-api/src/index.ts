export { startCommandApi, type CommandApi } from "./start.js";
export { readEnv } from "./env.js";
