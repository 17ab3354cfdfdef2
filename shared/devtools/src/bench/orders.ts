import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startBareChild, startCommandApiChild } from "./lib/apps.js";
import { parseBenchArgs, type BenchArgs } from "./lib/args.js";
import type { Cleanup } from "./lib/cleanup.js";
import { profileReport } from "./lib/cpuprofile.js";
import { backingServers, cpuLine, cpuPerRequestLine, noiseWarning } from "./lib/cpu-usage.js";
import { probeCommit, serverInfo } from "./lib/database.js";
import { readBenchEnv } from "./lib/env.js";
import { createFixture, type Fixture } from "./lib/fixture.js";
import { describeMachine, machineLine } from "./lib/machine.js";
import { count, measure } from "./lib/measure.js";
import { resultsTable, runLines, writeDocSection } from "./lib/report.js";
import { adminToken, benchSigning, userTokens } from "./lib/tokens.js";

const USERS = 1000;
const DEALS = 3;
const GOAL_RATIO = 0.5;
const GOAL_P99_MS = 40;
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
  const args: BenchArgs = parseBenchArgs(argv);
  const fx = await createFixture(readBenchEnv(), cleanup);
  const machine = await describeMachine(await serverInfo(fx.db), await probeCommit(fx.db));
  log(`machine: ${machineLine(machine)}`);
  const signing = benchSigning(fx.jwtSecret, args);
  const tokens = await userTokens(signing, USERS);
  const servers = await backingServers(fx.redisUrl);

  log("orders: starting command-api");
  const profileRoot = args.profile ? await mkdtemp(join(tmpdir(), "surge-bench-")) : undefined;
  const api = await startCommandApiChild(fx, args, cleanup, { profileRoot });
  const sale = await createOpenSale(api.url, await adminToken(signing));
  // Each request: the next user, a fresh Idempotency-Key, one to three lines of the event's deals.
  let n = 0;
  const headers = () => ({ "content-type": "application/json", authorization: `Bearer ${tokens[n % USERS]}`, "idempotency-key": `bench-${n++}` });
  const bodies = [1, 2, 3].map((k) => JSON.stringify({ items: sale.dealIds.slice(0, k).map((dealId) => ({ dealId, quantity: 1 })) }));
  let b = 0;
  const body = () => bodies[b++ % bodies.length]!;
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
  const pass = balanced && created === Number(placedInStore.n) && created > 0;
  const ratio = orders.main.requestsPerSec / bareM.main.requestsPerSec;
  const lines = [
    resultsTable([
      { target: "orders `POST /orders`", result: orders.main },
      { target: "bare `POST /bare`", result: bareM.main },
    ]),
    "",
    `- orders/bare: **${ratio.toFixed(2)}** (goal ≥ ${GOAL_RATIO}: ${ratio >= GOAL_RATIO ? "met" : "not met"}); ` +
      `orders p99 **${orders.main.p99Ms.toFixed(1)} ms** (goal ≤ ${GOAL_P99_MS} ms: ${orders.main.p99Ms <= GOAL_P99_MS ? "met" : "not met"})`,
    `- correctness: ${created} 201 responses = ${placedInStore.n} OrderPlaced events; for every deal stock remaining + units ordered = ${STOCK.toLocaleString("en-US")}: **${pass ? "PASS" : "FAIL"}**`,
    `- CPU during the orders window: ${cpuLine(orders.cpu)}`,
    `- CPU during the bare window: ${cpuLine(bareM.cpu)}`,
    `- ${cpuPerRequestLine("command-api", orders.cpu, orders.main.requestsPerSec)}; ${cpuPerRequestLine("bare", bareM.cpu, bareM.main.requestsPerSec)}`,
    ...noiseWarning(Math.max(orders.cpu.others, bareM.cpu.others)),
  ];
  log(`\n${lines.join("\n")}`);
  if (profileRoot) log(await profileReport(profileRoot, api.name, orders.window, 30));
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
    `bare hono route. ${USERS} users, a fresh key per request, orders of one to three lines over a ${DEALS}-deal`,
    "event with ample stock. Afterwards, for every deal, remaining + ordered must equal the initial stock.",
    "",
    ...runLines("orders", argv, machine, { ...args, per: "target" }),
    "",
    ...lines,
  ].join("\n");
}
