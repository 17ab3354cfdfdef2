export * from "./calendar.js";
export * from "./revenue.js";
export * from "./tables.js";
export * from "./top.js";
