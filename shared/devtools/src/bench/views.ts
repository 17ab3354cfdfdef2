import type { Db } from "@surge/platform/db/database";
import { startBareChild, startCommandApiChild } from "./lib/apps.js";
import { type BenchArgs } from "./lib/args.js";
import { startBench } from "./lib/start.js";
import type { Cleanup } from "./lib/cleanup.js";
import { profileReport } from "./lib/cpuprofile.js";
import { backingServers, cpuLine, cpuPerRequestLine, noiseWarning } from "./lib/cpu-usage.js";
import { machineLine } from "./lib/machine.js";
import { count, measure } from "./lib/measure.js";
import { scrapeMetrics } from "./lib/metrics.js";
import { resultsTable, runLines, writeDocSection } from "./lib/report.js";
import { adminToken } from "./lib/tokens.js";

const USERS = 1000;
/** Short, so users come back within a run and both outcomes (counted, repeated) are measured. */
const DEDUP_S = 1;
const GOAL_RATIO = 0.7;
const log = (line: string) => console.log(line);

export async function run(argv: string[], cleanup: Cleanup): Promise<number> {
  const { args, fx, machine, profileRoot, signing, headers } = await startBench(argv, cleanup, USERS, log);
  const servers = await backingServers(fx.redisUrl);

  log("views: starting command-api");
  const api = await startCommandApiChild(fx, { ...args, childEnv: { VIEW_DEDUP_S: String(DEDUP_S), ...args.childEnv } }, cleanup, { profileRoot });
  const admin = await adminToken(signing);
  const created = await fetch(`${api.url}/admin/products`, {
    method: "POST",
    headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "bench product", price: 10_000 }),
  });
  const productId = ((await created.json()) as { productId?: string }).productId;
  if (created.status !== 201 || !productId) throw new Error(`creating the bench product failed: ${created.status}`);

  const views = await measure(
    { url: `${api.url}/products/${productId}/views`, method: "POST", headers },
    args,
    [{ label: "command-api", pids: [api.pid] }, ...servers],
    log,
  );
  const metrics = await scrapeMetrics(api.url);
  const counted = outcomeSum(metrics, "counted");
  const repeated = outcomeSum(metrics, "repeated");
  // Stopping flushes the tallies still in memory, so the store then holds every counted view.
  await api.stop();
  const stored = await viewsInStore(fx, productId);

  log("bare: starting the bare hono route");
  const bare = await startBareChild(fx, cleanup, profileRoot);
  const bareM = await measure({ url: `${bare.url}/bare`, method: "POST", headers }, args, [{ label: "bare", pids: [bare.pid] }], log);
  await bare.stop();

  const accepted = count(views, 202);
  const pass = accepted > 0 && counted + repeated === accepted && stored === counted;
  const ratio = views.main.requestsPerSec / bareM.main.requestsPerSec;
  const lines = [
    resultsTable([
      { target: "views `POST /products/{id}/views`", result: views.main },
      { target: "bare `POST /bare`", result: bareM.main },
    ]),
    "",
    `- views/bare: **${ratio.toFixed(2)}** (goal ≥ ${GOAL_RATIO}: ${ratio >= GOAL_RATIO ? "met" : "not met"})`,
    `- correctness: ${accepted} 202 responses (warm-up included), ${counted} counted and ${repeated} repeated within ${DEDUP_S} s; ` +
      `${stored} views in the store: **${pass ? "PASS" : "FAIL"}**`,
    `- CPU during the views window: ${cpuLine(views.cpu)}`,
    `- CPU during the bare window: ${cpuLine(bareM.cpu)}`,
    `- ${cpuPerRequestLine("command-api", views.cpu, views.main.requestsPerSec)}; ${cpuPerRequestLine("bare", bareM.cpu, bareM.main.requestsPerSec)}`,
    ...noiseWarning(Math.max(views.cpu.others, bareM.cpu.others)),
  ];
  log(`\n${lines.join("\n")}`);
  if (!pass) log(`views by status: ${JSON.stringify(views.main.byStatus)}; errors ${views.main.errors}, timeouts ${views.main.timeouts}`);
  if (profileRoot) {
    log(await profileReport(profileRoot, api.name, views.window, 30));
    log(await profileReport(profileRoot, bare.name, bareM.window, 12));
  }
  if (args.writeDocs) await writeDocSection("views", docSection(args, argv, machineLine(machine), lines));
  return pass ? 0 : 1;
}

/** product_views_total of one outcome, whatever other labels (app) its series carry. */
function outcomeSum(metrics: string, outcome: string): number {
  const series = metrics.split("\n").filter((l) => l.startsWith("product_views_total{") && l.includes(`outcome="${outcome}"`));
  return series.reduce((n, l) => n + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
}

async function viewsInStore(fx: { db: Db }, productId: string): Promise<number> {
  const rows = await fx.db
    .selectFrom("events")
    .select("data")
    .where("stream_id", "=", `views-${productId}`)
    .where("type", "=", "ProductViewsCounted")
    .execute();
  return rows.reduce((n, r) => n + (JSON.parse(r.data) as { views: number }).views, 0);
}

function docSection(args: BenchArgs, argv: string[], machine: string, lines: string[]): string {
  return [
    "## views",
    "",
    "`POST /products/{id}/views` on command-api with its whole middleware chain (JWT auth, the per-user",
    "rate limit raised so it never answers 429, the product looked up in memory, the Redis SET NX that",
    `deduplicates per user and product within VIEW_DEDUP_S, here ${DEDUP_S} s so users come back and both outcomes are`,
    "measured) against the bare hono route. No view writes to the database: counted views are tallied in",
    "memory and appended once per flush. After the run command-api is stopped (flushing) and the views in",
    "the store must equal the views it counted.",
    "",
    ...runLines("views", argv, machine, { ...args, per: "target" }),
    "",
    ...lines,
  ].join("\n");
}
