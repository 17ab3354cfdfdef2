export * from "./types.js";
export * from "./group-commit.js";
export * from "./mysql-event-store.js";
export * from "./chain.js";
