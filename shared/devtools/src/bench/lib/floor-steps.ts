/**
 * The floor bench's ladder, each step adding one piece of a claim to the one before it:
 * `lua` a hono route and one guard script (EVALSHA); `insert` a group-committed multi-row INSERT
 * before the 201; `store` Surge's event store instead of that INSERT; `auth` the bearer token
 * verified (first-time tokens, as in `claims`); `frame` the platform's app frame (request id,
 * metrics, body limit, problem rendering). command-api's claim adds the gate, the coupon's guard
 * and decider, the fence and the reservation ledger.
 */
export const FLOOR_STEPS = ["lua", "insert", "store", "auth", "frame"] as const;
export type FloorStep = (typeof FLOOR_STEPS)[number];

export const STEP_NOTES: Record<FloorStep, string> = {
  lua: "+ one EVALSHA",
  insert: "+ durable multi-row INSERT",
  store: "event store instead of the INSERT",
  auth: "+ JWT verification",
  frame: "+ platform app frame",
};
