import { parseArgs } from "node:util";
import { Hono, type Context } from "hono";
import { listen } from "@surge/platform/http/server";
import { createRedis } from "@surge/platform/redis/redis";
import { runScript } from "@surge/platform/redis/guard-kit";
import { createDb } from "@surge/platform/db/database";
import { MysqlEventStore } from "@surge/platform/eventstore/mysql-event-store";
import { newId } from "@surge/platform/ids";
import { TokenVerifier } from "@surge/platform/http/token-verifier";
import { createBaseApp, type AppEnv } from "@surge/platform/http/app";
import { createMetrics } from "@surge/platform/http/metrics";
import { createLogger } from "@surge/platform/logging";
import { requireAuth } from "@surge/platform/http/auth";
import { FLOOR_STEPS, type FloorStep } from "./lib/floor-steps.js";
import { bareInsert, insertFloorClaim, newFloorClaim, storeFloorClaim } from "./lib/floor-claims.js";

/**
 * The floor bench's server: a claim built up one piece at a time (see FLOOR_STEPS), each step a
 * process of its own, so the bench can say what each piece of Surge's claim costs on this box.
 * Every step answers a claim-shaped 201 only after its work is done (and, from `insert` on, durable).
 */
const { values } = parseArgs({
  options: {
    port: { type: "string" },
    step: { type: "string" },
    database: { type: "string" },
    redis: { type: "string" },
    prefix: { type: "string" },
    secret: { type: "string" },
  },
});
const port = Number(values.port);
const step = values.step as FloorStep;
if (!Number.isInteger(port) || port <= 0 || !FLOOR_STEPS.includes(step) || !values.database || !values.redis || values.secret === undefined) {
  console.error(`usage: floor-server.ts --port <n> --step <${FLOOR_STEPS.join("|")}> --database <url> --redis <url> --prefix <p> --secret <jwt secret>`);
  process.exit(2);
}
const at = (s: FloorStep) => FLOOR_STEPS.indexOf(step) >= FLOOR_STEPS.indexOf(s);

const redis = createRedis({ url: values.redis, keyPrefix: values.prefix ?? "" });
const db = createDb({ url: values.database });

// The guard's decision in its smallest form: a unit taken if any is left, once per user.
const claimLua = `
if redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2]) == 0 then return 'ALREADY' end
local left = redis.call('HINCRBY', KEYS[1], 'left', -1)
if left < 0 then redis.call('HINCRBY', KEYS[1], 'left', 1) redis.call('HDEL', KEYS[2], ARGV[1]) return 'SOLD_OUT' end
return 'OK'`;
// Keys of its own per step: the steps share the users, and each step's users claim once.
const GUARD_KEYS = [`floor:{${step}}:meta`, `floor:{${step}}:users`];
await redis.hset(GUARD_KEYS[0]!, "left", 1e9);

// `insert`: the durable part in its smallest form, one multi-row INSERT per batch, autocommit.
const insertCommit = bareInsert(db);

// `store`: the same claim through Surge's event store (schema check, positions, versions, hash chain).
const store = new MysqlEventStore(db);

const verifier = new TokenVerifier({ key: { alg: "HS256", secret: values.secret }, clockSkewS: 30, maxTtlS: 86_400 });

async function claim(c: Context<AppEnv>, userId: string): Promise<Response> {
  const floorClaim = newFloorClaim(userId);
  const code = await runScript<string>(redis, claimLua, GUARD_KEYS, [userId, floorClaim.claimId]);
  if (code !== "OK") return c.json({ code }, 409);
  if (at("store")) await storeFloorClaim(store, floorClaim);
  else if (at("insert")) await insertFloorClaim(insertCommit, floorClaim);
  return c.json({ claimId: floorClaim.claimId, couponId: "floor", userId, status: "AVAILABLE", claimedAt: floorClaim.claimedAt, expiresAt: null }, 201);
}

const logger = createLogger("floor", "warn", false);
const app: Hono<AppEnv> = at("frame") ? createBaseApp({ title: "floor", logger, metrics: createMetrics("floor"), dependencies: [] }) : new Hono<AppEnv>();
// `auth`: the platform's own bearer middleware, as command-api runs it; before it, one user per request.
if (at("auth")) app.use("/claims", requireAuth(verifier));
app.post("/claims", (c) => claim(c, at("auth") ? c.get("user").id : newId()));
if (!at("frame")) app.get("/ready", (c) => c.json({ status: "ready" }));

const server = await listen(app.fetch, port);
process.once("SIGTERM", () => {
  void server
    .close()
    .then(() => store.close())
    .then(() => db.destroy())
    .then(() => process.exit(0));
});
