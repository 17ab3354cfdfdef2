export * from "./client.js";
export * from "./codec.js";
export * from "./env.js";
export * from "./topics.js";
