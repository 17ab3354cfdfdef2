import { sql } from "kysely";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startBareChild, startCommandApiChild } from "./lib/apps.js";
import { type BenchArgs } from "./lib/args.js";
import type { Cleanup } from "./lib/cleanup.js";
import { profileReport } from "./lib/cpuprofile.js";
import { backingServers, cpuLine, cpuPerRequestLine, noiseWarning } from "./lib/cpu-usage.js";
import { openBench } from "./lib/start.js";
import { type Fixture } from "./lib/fixture.js";
import { machineLine } from "./lib/machine.js";
import { count, measure } from "./lib/measure.js";
import { createBenchCoupon } from "./lib/coupon.js";
import { cpuRatioLine, cpuUs, p99Line } from "./lib/goals.js";
import { resultsTable, runLines, writeDocSection } from "./lib/report.js";
import { adminToken, benchSigning, userTokens } from "./lib/tokens.js";

const USERS = 100_000;
const DEALS = 3;
const GOAL_CPU_RATIO = 3.0;
const GOAL_P99_MS = 40;
/** Every COUPON_EVERY-th user holds a claimed coupon and puts it on their first order. */
const COUPON_EVERY = 20;
// Ample stock and limits: every order is a real reservation of all its lines and a durable append.
const STOCK = 10_000_000;

const log = (line: string) => console.log(line);

async function post<T>(url: string, token: string, body: unknown): Promise<T> {
  const res = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (res.status !== 201) throw new Error(`${url}: ${res.status} ${JSON.stringify(json)}`);
  return json as T;
}

/** Claims the bench coupon for every COUPON_EVERY-th user, a few at a time: user index → claimId. */
async function claimCoupons(apiUrl: string, couponId: string, tokens: string[]): Promise<Map<number, string>> {
  const claims = new Map<number, string>();
  const users = Array.from({ length: Math.floor(tokens.length / COUPON_EVERY) }, (_, i) => i * COUPON_EVERY);
  let next = 0;
  const worker = async () => {
    while (next < users.length) {
      const u = users[next++]!;
      const res = await fetch(`${apiUrl}/coupons/${couponId}/claims`, { method: "POST", headers: { authorization: `Bearer ${tokens[u]}` } });
      const json = (await res.json()) as { claimId?: string };
      if (res.status !== 201 || !json.claimId) throw new Error(`claiming the bench coupon: ${res.status} ${JSON.stringify(json)}`);
      claims.set(u, json.claimId);
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  return claims;
}

async function createOpenSale(apiUrl: string, admin: string) {
  const deals = [];
  for (let i = 0; i < DEALS; i++) {
    const product = await post<{ productId: string }>(`${apiUrl}/admin/products`, admin, { name: `bench product ${i + 1}`, price: 20_000 });
    deals.push({ productId: product.productId, salePrice: 9_900 + i * 1_000, stock: STOCK, perUserLimit: STOCK });
  }
  const sale = await post<{ eventId: string; deals: Array<{ dealId: string }> }>(`${apiUrl}/admin/events`, admin, {
    name: "bench sale",
    opensAt: new Date(Date.now() - 1000).toISOString(),
    deals,
  });
  return { eventId: sale.eventId, dealIds: sale.deals.map((d) => d.dealId) };
}

/** Units the store says were ordered, per deal. */
async function orderedUnits(fx: Fixture, eventId: string): Promise<Map<string, number>> {
  const rows = await fx.db.selectFrom("events").select("data").where("tag", "=", `event:${eventId}`).where("type", "=", "OrderPlaced").execute();
  const units = new Map<string, number>();
  for (const r of rows)
    for (const i of (JSON.parse(r.data) as { items: Array<{ dealId: string; quantity: number }> }).items)
      units.set(i.dealId, (units.get(i.dealId) ?? 0) + i.quantity);
  return units;
}

export async function run(argv: string[], cleanup: Cleanup): Promise<number> {
  const { args, fx, machine } = await openBench(argv, cleanup, log);
  const signing = benchSigning(fx.jwtSecret, args);
  const users = args.users ?? USERS;
  const tokens = await userTokens(signing, users);
  const servers = await backingServers(fx.redisUrl);

  log("orders: starting command-api");
  const profileRoot = args.profile ? await mkdtemp(join(tmpdir(), "surge-bench-")) : undefined;
  const api = await startCommandApiChild(fx, args, cleanup, { profileRoot });
  const admin = await adminToken(signing);
  const sale = await createOpenSale(api.url, admin);
  const couponId = await createBenchCoupon(api.url, admin, users, 1);
  const couponClaims = await claimCoupons(api.url, couponId, tokens);
  log(`orders: ${couponClaims.size} users hold a claimed coupon for their first order`);
  // Each request: the next user, a fresh Idempotency-Key, one to three lines of the event's deals,
  // and on a coupon holder's first order its coupon. headers() runs before body() for each request.
  let n = 0;
  let user = 0;
  const authorization = tokens.map((t) => `Bearer ${t}`);
  const headers = () => {
    user = n % users;
    return { "content-type": "application/json", authorization: authorization[user]!, "idempotency-key": `bench-${n++}` };
  };
  const items = [1, 2, 3].map((k) => sale.dealIds.slice(0, k).map((dealId) => ({ dealId, quantity: 1 })));
  const bodies = items.map((i) => JSON.stringify({ items: i }));
  let b = 0;
  const body = () => {
    const k = b++ % bodies.length;
    const claimId = n <= users ? couponClaims.get(user) : undefined;
    if (!claimId) return bodies[k]!;
    return JSON.stringify({ items: items[k], couponClaimId: claimId });
  };
  const orders = await measure({ url: `${api.url}/orders`, method: "POST", headers, body }, args, [{ label: "command-api", pids: [api.pid] }, ...servers], log);
  await api.stop();

  log("bare: starting the bare hono route");
  const bare = await startBareChild(fx, cleanup);
  const bareM = await measure({ url: `${bare.url}/bare`, method: "POST", headers, body }, args, [{ label: "bare", pids: [bare.pid] }], log);
  await bare.stop();

  const created = count(orders, 201);
  const units = await orderedUnits(fx, sale.eventId);
  const stockFromRedis = await readRemaining(fx, sale.eventId);
  const balanced = sale.dealIds.every((d) => (units.get(d) ?? 0) + (stockFromRedis[d] ?? NaN) === STOCK);
  const placedInStore = await fx.db
    .selectFrom("events")
    .select((eb) => eb.fn.countAll().as("n"))
    .where("tag", "=", `event:${sale.eventId}`)
    .where("type", "=", "OrderPlaced")
    .executeTakeFirstOrThrow();
  const couponOrders = await fx.db
    .selectFrom("events")
    .select((eb) => eb.fn.countAll().as("n"))
    .where("tag", "=", `event:${sale.eventId}`)
    .where("type", "=", "OrderPlaced")
    .where(sql<boolean>`JSON_VALUE(data, '$.couponClaimId') IS NOT NULL`)
    .executeTakeFirstOrThrow();
  const pass = balanced && created === Number(placedInStore.n) && created > 0;
  const ratio = orders.main.requestsPerSec / bareM.main.requestsPerSec;
  const cpuGoal = cpuRatioLine(
    "orders",
    cpuUs(orders.cpu, "command-api", orders.main.requestsPerSec),
    cpuUs(bareM.cpu, "bare", bareM.main.requestsPerSec),
    GOAL_CPU_RATIO,
  );
  const lines = [
    resultsTable([
      { target: "orders `POST /orders`", result: orders.main },
      { target: "bare `POST /bare`", result: bareM.main },
    ]),
    "",
    cpuGoal.line,
    p99Line("orders", orders.main.p99Ms, GOAL_P99_MS).line,
    `- orders/bare requests/s: ${ratio.toFixed(2)}; ${couponOrders.n} OrderPlaced events carry a coupon`,
    `- correctness: ${created} 201 responses = ${placedInStore.n} OrderPlaced events; for every deal stock remaining + units ordered = ${STOCK.toLocaleString("en-US")}: **${pass ? "PASS" : "FAIL"}**`,
    `- CPU during the orders window: ${cpuLine(orders.cpu)}`,
    `- CPU during the bare window: ${cpuLine(bareM.cpu)}`,
    `- ${cpuPerRequestLine("command-api", orders.cpu, orders.main.requestsPerSec)}; ${cpuPerRequestLine("bare", bareM.cpu, bareM.main.requestsPerSec)}`,
    ...noiseWarning(Math.max(orders.cpu.others, bareM.cpu.others)),
  ];
  log(`\n${lines.join("\n")}`);
  if (profileRoot) log(await profileReport(profileRoot, api.name, orders.window, 30, orders.main.requestsPerSec * args.durationS));
  if (args.writeDocs) {
    await writeDocSection("orders", docSection(args, argv, machineLine(machine), lines));
  }
  return pass ? 0 : 1;
}

/** Remaining stock per deal from the guard's Redis hash (the guard is the only place it lives). */
async function readRemaining(fx: Fixture, eventId: string): Promise<Record<string, number>> {
  const { createRedis } = await import("@surge/platform/redis/redis");
  const redis = createRedis({ url: fx.redisUrl, keyPrefix: fx.redisKeyPrefix });
  try {
    const h = await redis.hgetall(`evt:{${eventId}}:stock`);
    return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Number(v)]));
  } finally {
    redis.disconnect();
  }
}

function docSection(args: BenchArgs, argv: string[], machine: string, lines: string[]): string {
  return [
    "## orders",
    "",
    "`POST /orders` on command-api with its whole chain (JWT, rate limit raised, Idempotency-Key record in",
    "Redis, one Lua script reserving every line, one atomic durable append, 201 after commit) against the",
    `bare hono route. ${USERS.toLocaleString("en-US")} distinct users, a fresh key per request, orders of one to three lines over a ${DEALS}-deal`,
    `event with ample stock; every ${COUPON_EVERY}th user has claimed a coupon beforehand and puts it on their first order.`,
    "Afterwards, for every deal, remaining + ordered must equal the initial stock. The goal is CPU per",
    "request (the app's over the bare route's, same run).",
    "",
    ...runLines("orders", argv, machine, { ...args, per: "target" }),
    "",
    ...lines,
  ].join("\n");
}
