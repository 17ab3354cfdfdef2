export * from "./gateway-client.js";
export * from "./outcome.js";
