import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { couponStream } from "@surge/areas/coupons/coupon-events";
import { startBareChild, startCommandApiChild } from "./lib/apps.js";
import { parseBenchArgs, type BenchArgs } from "./lib/args.js";
import type { Cleanup } from "./lib/cleanup.js";
import { COUPON_UNITS, createBenchCoupon } from "./lib/coupon.js";
import { profileReport } from "./lib/cpuprofile.js";
import { backingServers, cpuLine, cpuPerRequestLine, noiseWarning } from "./lib/cpu-usage.js";
import { countEvents, probeCommit, serverInfo } from "./lib/database.js";
import { readBenchEnv } from "./lib/env.js";
import { createFixture } from "./lib/fixture.js";
import { describeMachine, machineLine } from "./lib/machine.js";
import { count, measure, type Measurement } from "./lib/measure.js";
import { formatPhases, readPhases } from "./lib/phases.js";
import { resultsTable, runLines, writeDocSection } from "./lib/report.js";
import { diffStats, groupCommitLine, groupCommitStats, type GroupCommitStats } from "./lib/server-stats.js";
import { adminToken, benchSigning, rotatingHeaders, userTokens } from "./lib/tokens.js";

const USERS = 1000;
const GOAL_RATIO = 0.7;
const GOAL_P99_MS = 25;
const log = (line: string) => console.log(line);

export async function run(argv: string[], cleanup: Cleanup): Promise<number> {
  const args: BenchArgs = parseBenchArgs(argv);
  const fx = await createFixture(readBenchEnv(), cleanup);
  const machine = await describeMachine(await serverInfo(fx.db), await probeCommit(fx.db));
  log(`machine: ${machineLine(machine)}`);
  const workDir = args.profile || args.phases ? await mkdtemp(join(tmpdir(), "surge-bench-")) : undefined;
  const profileRoot = args.profile ? workDir : undefined;
  const phasesFile = args.phases && workDir ? join(workDir, "phases.json") : undefined;
  const signing = benchSigning(fx.jwtSecret, args);
  // fetch and browsers send Content-Length: 0 on a bodiless POST; autocannon would send none.
  const headers = rotatingHeaders(await userTokens(signing, USERS), { "content-length": "0" });
  const servers = await backingServers(fx.redisUrl);

  log("claims: starting command-api");
  const api = await startCommandApiChild(fx, args, cleanup, { profileRoot, phasesFile });
  const couponId = await createBenchCoupon(api.url, await adminToken(signing));
  const claimsTarget = { url: `${api.url}/coupons/${couponId}/claims`, method: "POST" as const, headers };
  const watchedApi = [{ label: "command-api", pids: [api.pid] }, ...servers];
  const gcStats: { before?: GroupCommitStats } = {};
  const claims: Measurement = await measure(claimsTarget, args, watchedApi, log, async () => {
    gcStats.before = await groupCommitStats(fx.db, api);
    // The phase probe restarts its counts, so they cover the window (and its drain) only.
    if (phasesFile) api.signal("SIGUSR2");
  });
  const after = await groupCommitStats(fx.db, api);
  await api.stop();
  const events = await countEvents(fx.db, couponStream(couponId), "CouponClaimed");

  log("bare: starting the bare hono route");
  const bare = await startBareChild(fx, cleanup, profileRoot);
  const bareM = await measure({ url: `${bare.url}/bare`, method: "POST", headers }, args, [{ label: "bare", pids: [bare.pid] }], log);
  await bare.stop();

  const created = count(claims, 201);
  const pass = created === events && created > 0;
  const ratio = claims.main.requestsPerSec / bareM.main.requestsPerSec;
  const gc = gcStats.before ? diffStats(gcStats.before, after) : null;
  const lines = [
    resultsTable([
      { target: "claims `POST /coupons/{id}/claims`", result: claims.main },
      { target: "bare `POST /bare`", result: bareM.main },
    ]),
    "",
    `- claims/bare: **${ratio.toFixed(2)}** (goal ≥ ${GOAL_RATIO}: ${ratio >= GOAL_RATIO ? "met" : "not met"}); ` +
      `claims p99 **${claims.main.p99Ms.toFixed(1)} ms** (goal ≤ ${GOAL_P99_MS} ms: ${claims.main.p99Ms <= GOAL_P99_MS ? "met" : "not met"})`,
    `- correctness: ${created} 201 responses (warm-up included), ${events} CouponClaimed events in the store: **${pass ? "PASS" : "FAIL"}**`,
    ...(gc ? [groupCommitLine(gc, args.durationS)] : []),
    `- CPU during the claims window: ${cpuLine(claims.cpu)}`,
    `- CPU during the bare window: ${cpuLine(bareM.cpu)}`,
    `- ${cpuPerRequestLine("command-api", claims.cpu, claims.main.requestsPerSec)}; ${cpuPerRequestLine("bare", bareM.cpu, bareM.main.requestsPerSec)}`,
    ...noiseWarning(Math.max(claims.cpu.others, bareM.cpu.others)),
    `- in-flight requests finished after each window (not counted in requests/s): claims ${claims.main.drainMs.toFixed(0)} ms, bare ${bareM.main.drainMs.toFixed(0)} ms`,
  ];
  log(`\n${lines.join("\n")}`);
  if (!pass) log(`claims by status: ${JSON.stringify(claims.main.byStatus)}; errors ${claims.main.errors}, timeouts ${claims.main.timeouts}`);

  const phases = phasesFile ? await readPhases(phasesFile) : null;
  if (phases) log(`\n--- stages of a claim inside command-api (--phases) ---\n${formatPhases(phases)}`);
  if (profileRoot) {
    log(await profileReport(profileRoot, api.name, claims.window, 30));
    log(await profileReport(profileRoot, bare.name, bareM.window, 12));
  }
  if (args.writeDocs) {
    await writeDocSection("claims", docSection(args, argv, machineLine(machine), lines));
  }
  return pass ? 0 : 1;
}

function docSection(args: BenchArgs, argv: string[], machine: string, lines: string[]): string {
  return [
    "## claims",
    "",
    "`POST /coupons/{id}/claims` on command-api with its whole middleware chain (JWT auth, the per-user",
    "rate limit raised so it never answers 429, Redis Lua guard, durable group-committed append, 201",
    "only after commit) against a bare hono route on the same server stack and runtime flags.",
    `${USERS} users take turns across keep-alive connections; the coupon has ${COUPON_UNITS.toLocaleString("en-US")} units and the`,
    "same per-user limit, so every request is a real, successful claim. Requests carry no body and",
    "`Content-Length: 0`, as fetch and browsers send them. After each window every connection",
    "finishes its request in flight, so each 201 is counted and matched against the store.",
    "",
    ...runLines("claims", argv, machine, { ...args, per: "target" }),
    "",
    ...lines,
  ].join("\n");
}
