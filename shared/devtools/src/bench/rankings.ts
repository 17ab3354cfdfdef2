import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MAX_RANKING, topProducts } from "@surge/areas/rankings/top";
import { periodStart } from "@surge/areas/rankings/calendar";
import { parseBenchArgs, type BenchArgs } from "./lib/args.js";
import type { Cleanup } from "./lib/cleanup.js";
import { profileReport } from "./lib/cpuprofile.js";
import { backingServers, cpuLine, noiseWarning } from "./lib/cpu-usage.js";
import { probeCommit, serverInfo } from "./lib/database.js";
import { readBenchEnv } from "./lib/env.js";
import { explainRankings, rankingSql } from "./lib/explain.js";
import { describeMachine, machineLine } from "./lib/machine.js";
import { count, measure } from "./lib/measure.js";
import { startBareRankingsChild, startQueryApiChild } from "./lib/query-apps.js";
import { createFixture } from "./lib/fixture.js";
import { seedMetrics, type SeedShape } from "./lib/rankings-fixture.js";
import { resultsTable, runLines, writeDocSection } from "./lib/report.js";

const GOAL_RATIO = 0.8;
const GOAL_P99_MS = 10;
const SHAPE: SeedShape = { products: 2_000, days: 35, lastDay: "2026-11-30" };
const DATE = "2026-11-30";
const PATH = `/rankings/products?period=DAILY&date=${DATE}&by=QUANTITY&limit=10`;

const log = (line: string) => console.log(line);

export async function run(argv: string[], cleanup: Cleanup): Promise<number> {
  const args: BenchArgs = parseBenchArgs(argv);
  const fx = await createFixture(readBenchEnv(), cleanup);
  const server = await serverInfo(fx.db);
  const machine = await describeMachine(server, await probeCommit(fx.db));
  log(`machine: ${machineLine(machine)}`);

  log(`rankings: seeding ${SHAPE.products} products × ${SHAPE.days} days of metrics`);
  const seeded = await seedMetrics(fx.db, SHAPE);
  const dates = { DAILY: DATE, WEEKLY: periodStart("WEEKLY", DATE), MONTHLY: periodStart("MONTHLY", DATE) };
  const explain = await explainRankings(fx.db, dates, MAX_RANKING, server.version.includes("MariaDB"));
  log(`\n${explain.join("\n")}\n`);

  const profileRoot = args.profile ? await mkdtemp(join(tmpdir(), "surge-bench-")) : undefined;
  log("rankings: starting query-api");
  const api = await startQueryApiChild(fx, args, cleanup, profileRoot);
  const first = await fetch(`${api.url}${PATH}`);
  const body = (await first.json()) as { items: unknown[] };
  const expected = await topProducts(fx.db, "DAILY", DATE, "QUANTITY", 10);
  const correct = first.status === 200 && JSON.stringify(body.items) === JSON.stringify(expected);
  const noHeaders = () => ({});
  const servers = await backingServers(fx.redisUrl);
  const ranked = await measure(
    { url: `${api.url}${PATH}`, method: "GET", headers: noHeaders },
    args,
    [{ label: "query-api", pids: [api.pid] }, ...servers],
    log,
  );
  await api.stop();

  log("bare: starting the bare hono route");
  const bare = await startBareRankingsChild(fx, cleanup, profileRoot);
  const bareM = await measure({ url: `${bare.url}/bare`, method: "GET", headers: noHeaders }, args, [{ label: "bare", pids: [bare.pid] }], log);
  await bare.stop();

  const ok = count(ranked, 200);
  const pass = correct && ranked.main.non2xx === 0 && ranked.main.errors === 0 && ok > 0;
  const ratio = ranked.main.requestsPerSec / bareM.main.requestsPerSec;
  const lines = [
    resultsTable([
      { target: "rankings `GET /rankings/products` (DAILY, QUANTITY, limit 10)", result: ranked.main },
      { target: "bare `GET /bare`", result: bareM.main },
    ]),
    "",
    `- rankings/bare: **${ratio.toFixed(2)}** (goal ≥ ${GOAL_RATIO}: ${ratio >= GOAL_RATIO ? "met" : "not met"}); ` +
      `rankings p99 **${ranked.main.p99Ms.toFixed(1)} ms** (goal ≤ ${GOAL_P99_MS} ms: ${ranked.main.p99Ms <= GOAL_P99_MS ? "met" : "not met"})`,
    `- correctness: first response equals the top 10 read from the metrics table: **${correct ? "PASS" : "FAIL"}**; ${ok} 200 responses, ${ranked.main.non2xx} non-2xx`,
    `- CPU during the rankings window: ${cpuLine(ranked.cpu)}`,
    `- CPU during the bare window: ${cpuLine(bareM.cpu)}`,
    ...noiseWarning(Math.max(ranked.cpu.others, bareM.cpu.others)),
  ];
  log(`\n${lines.join("\n")}`);
  if (profileRoot) {
    log(await profileReport(profileRoot, api.name, ranked.window, 30));
    log(await profileReport(profileRoot, bare.name, bareM.window, 12));
  }
  if (args.writeDocs) {
    await writeDocSection(
      "rankings",
      docSection(args, argv, machineLine(machine), seeded.rows, explain, lines, rankingSql(fx.db, "DAILY", DATE, "QUANTITY", MAX_RANKING)),
    );
  }
  return pass ? 0 : 1;
}

function docSection(args: BenchArgs, argv: string[], machine: string, rows: number, explain: string[], lines: string[], query: string): string {
  return [
    "## rankings",
    "",
    "`GET /rankings/products` on query-api with its whole chain (X-Projection-Position, X-Min-Position check,",
    "query validation, the ranking cache: process memory, then Redis, then MariaDB) against a bare hono GET",
    "answering a body of the same shape and size. Every request asks for the same list (today's top 10, the",
    "hot path of a sale page); the checkpoint does not move, so after the first request the list comes from",
    `the cache. Seeded: ${SHAPE.products.toLocaleString("en-US")} products × ${SHAPE.days} days (${rows.toLocaleString("en-US")} metric rows).`,
    "",
    ...runLines("rankings", argv, machine, { ...args, per: "target" }),
    "",
    ...lines,
    "",
    "A cache miss runs the query below (limit 100: every limit is a slice of it); MariaDB's ANALYZE of it",
    "for each period and ordering (r_rows: rows actually read; see docs/rankings.md):",
    "",
    "```sql",
    query,
    "```",
    "",
    ...explain,
  ].join("\n");
}
