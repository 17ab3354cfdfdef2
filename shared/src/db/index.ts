export * from "./database.js";
export * from "./schema.js";
export * from "./migrate.js";
export * from "./checkpoints.js";
export * from "./lease.js";
