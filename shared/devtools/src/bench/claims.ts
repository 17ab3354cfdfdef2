import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { couponStream } from "@surge/areas/coupons/coupon-events";
import { startBareChild, startCommandApiChild } from "./lib/apps.js";
import { type BenchArgs } from "./lib/args.js";
import type { Cleanup } from "./lib/cleanup.js";
import { COUPON_UNITS, createBenchCoupon, guardClaimed } from "./lib/coupon.js";
import { profileReport } from "./lib/cpuprofile.js";
import { backingServers, cpuLine, cpuPerRequestLine, noiseWarning } from "./lib/cpu-usage.js";
import { countEvents } from "./lib/database.js";
import { openBench } from "./lib/start.js";
import { cpuRatioLine, cpuUs, p99Line } from "./lib/goals.js";
import { runLoad } from "./lib/load.js";
import { machineLine } from "./lib/machine.js";
import { count, measure, type Measurement, type Target } from "./lib/measure.js";
import { formatPhases, readPhases } from "./lib/phases.js";
import { resultsTable, runLines, writeDocSection } from "./lib/report.js";
import { diffStats, groupCommitLine, groupCommitStats, type GroupCommitStats } from "./lib/server-stats.js";
import { adminToken, benchSigning, rotatingHeaders, userTokens } from "./lib/tokens.js";

/** Distinct users, each a first-time token: the verifier's cache and the per-user Redis state are as large as a real drop's. */
export const USERS = 100_000;
const GOALS = {
  claims: { cpuRatio: 2.0, p99Ms: 25 },
  rejections: { cpuRatio: 1.5, p99Ms: 25 },
} as const;
/** The rejections coupon: sold out before the window, so every measured request is a 409 SOLD_OUT. */
const SOLD_OUT_UNITS = 1000;
const log = (line: string) => console.log(line);

export type ClaimsMode = keyof typeof GOALS;

export function run(argv: string[], cleanup: Cleanup): Promise<number> {
  return runClaims("claims", argv, cleanup);
}

export async function runClaims(mode: ClaimsMode, argv: string[], cleanup: Cleanup): Promise<number> {
  const { args, fx, machine } = await openBench(argv, cleanup, log);
  const workDir = args.profile || args.phases ? await mkdtemp(join(tmpdir(), "surge-bench-")) : undefined;
  const profileRoot = args.profile ? workDir : undefined;
  const phasesFile = args.phases && workDir ? join(workDir, "phases.json") : undefined;
  const signing = benchSigning(fx.jwtSecret, args);
  const minting = performance.now();
  const users = args.users ?? USERS;
  const tokens = await userTokens(signing, users);
  log(`${mode}: ${users.toLocaleString("en-US")} user tokens minted in ${((performance.now() - minting) / 1000).toFixed(1)} s`);
  // fetch and browsers send Content-Length: 0 on a bodiless POST; autocannon would send none.
  const headers = rotatingHeaders(tokens, { "content-length": "0" });
  const servers = await backingServers(fx.redisUrl);

  log(`${mode}: starting command-api`);
  const api = await startCommandApiChild(fx, args, cleanup, { profileRoot, phasesFile });
  const units = mode === "claims" ? COUPON_UNITS : SOLD_OUT_UNITS;
  const couponId = await createBenchCoupon(api.url, await adminToken(signing), units, mode === "claims" ? COUPON_UNITS : 1);
  const claimsTarget = { url: `${api.url}/coupons/${couponId}/claims`, method: "POST" as const, headers };
  let sellOut = { created: 0, s: 0 };
  if (mode === "rejections") sellOut = await sellOutFirst(claimsTarget, args.connections, fx.redisUrl, fx.redisKeyPrefix, couponId);
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
  const claimed = await guardClaimed(fx.redisUrl, fx.redisKeyPrefix, couponId);

  log("bare: starting the bare hono route");
  const bare = await startBareChild(fx, cleanup, profileRoot);
  const bareM = await measure({ url: `${bare.url}/bare`, method: "POST", headers }, args, [{ label: "bare", pids: [bare.pid] }], log);
  await bare.stop();

  const created = count(claims, 201) + sellOut.created;
  const refused = count(claims, 409);
  // stock + sold = initial: what the guard still has to hand out plus what the store holds.
  const balanced = units - claimed + events === units;
  const pass =
    mode === "claims"
      ? created === events && created > 0 && balanced
      : created === events && events === units && balanced && refused === claims.main.responses + (claims.warmup?.responses ?? 0);
  const appUs = cpuUs(claims.cpu, "command-api", claims.main.requestsPerSec);
  const bareUs = cpuUs(bareM.cpu, "bare", bareM.main.requestsPerSec);
  const goal = GOALS[mode];
  const cpuGoal = cpuRatioLine(mode, appUs, bareUs, goal.cpuRatio);
  const p99Goal = p99Line(mode, claims.main.p99Ms, goal.p99Ms);
  const gc = gcStats.before ? diffStats(gcStats.before, after) : null;
  const target = mode === "claims" ? "claims `POST /coupons/{id}/claims` (201)" : "rejections `POST /coupons/{id}/claims` (409 SOLD_OUT)";
  const lines = [
    resultsTable([
      { target, result: claims.main },
      { target: "bare `POST /bare`", result: bareM.main },
    ]),
    "",
    cpuGoal.line,
    p99Goal.line,
    `- ${mode}/bare requests/s: ${(claims.main.requestsPerSec / bareM.main.requestsPerSec).toFixed(2)}`,
    mode === "claims"
      ? `- correctness: ${created} 201 responses (warm-up included), ${events} CouponClaimed events in the store; guard stock ${units - claimed} + sold ${events} = ${units - claimed + events} (initial ${units}): **${pass ? "PASS" : "FAIL"}**`
      : `- correctness: sold out first (${sellOut.created} 201s in ${sellOut.s.toFixed(1)} s) = ${events} CouponClaimed events = ${units} units; ` +
        `guard stock ${units - claimed} + sold ${events} = ${units - claimed + events}; every measured and warm-up response a 409 (${refused}): **${pass ? "PASS" : "FAIL"}**`,
    ...(gc && mode === "claims" ? [groupCommitLine(gc, args.durationS)] : []),
    `- CPU during the ${mode} window: ${cpuLine(claims.cpu)}`,
    `- CPU during the bare window: ${cpuLine(bareM.cpu)}`,
    `- ${cpuPerRequestLine("command-api", claims.cpu, claims.main.requestsPerSec)}; ${cpuPerRequestLine("bare", bareM.cpu, bareM.main.requestsPerSec)}`,
    ...noiseWarning(Math.max(claims.cpu.others, bareM.cpu.others)),
    `- in-flight requests finished after each window (not counted in requests/s): ${mode} ${claims.main.drainMs.toFixed(0)} ms, bare ${bareM.main.drainMs.toFixed(0)} ms`,
  ];
  log(`\n${lines.join("\n")}`);
  if (!pass) log(`${mode} by status: ${JSON.stringify(claims.main.byStatus)}; errors ${claims.main.errors}, timeouts ${claims.main.timeouts}`);

  const phases = phasesFile ? await readPhases(phasesFile) : null;
  if (phases) log(`\n--- stages of a claim inside command-api (--phases) ---\n${formatPhases(phases)}`);
  if (profileRoot) {
    log(await profileReport(profileRoot, api.name, claims.window, 30, claims.main.requestsPerSec * args.durationS));
    log(await profileReport(profileRoot, bare.name, bareM.window, 12, bareM.main.requestsPerSec * args.durationS));
  }
  if (args.writeDocs) {
    await writeDocSection(mode, docSection(mode, args, argv, machineLine(machine), lines));
  }
  return pass ? 0 : 1;
}

/** Claims until the guard has handed out every unit, so the measured window sees only 409 SOLD_OUT. */
async function sellOutFirst(target: Target, connections: number, redisUrl: string, prefix: string, couponId: string): Promise<{ created: number; s: number }> {
  const started = performance.now();
  let created = 0;
  for (let round = 0; round < 30; round++) {
    const r = await runLoad({ ...target, connections, durationS: 1 });
    created += r.byStatus[201] ?? 0;
    if ((await guardClaimed(redisUrl, prefix, couponId)) >= SOLD_OUT_UNITS && (r.byStatus[409] ?? 0) > 0) break;
  }
  log(`rejections: sold out ${SOLD_OUT_UNITS} units (${created} 201s)`);
  return { created, s: (performance.now() - started) / 1000 };
}

function docSection(mode: ClaimsMode, args: BenchArgs, argv: string[], machine: string, lines: string[]): string {
  const intro =
    mode === "claims"
      ? [
          "## claims",
          "",
          "`POST /coupons/{id}/claims` on command-api with its whole middleware chain (JWT auth, the per-user",
          "rate limit raised so it never answers 429, Redis Lua guard, durable group-committed append, 201",
          "only after commit) against a bare hono route on the same server stack and runtime flags.",
          `${USERS.toLocaleString("en-US")} distinct users take turns across keep-alive connections (each token is verified`,
          `once, then cached); the coupon has ${COUPON_UNITS.toLocaleString("en-US")} units and the same per-user limit, so every request is a real,`,
          "successful claim. Requests carry no body and `Content-Length: 0`, as fetch and browsers send them.",
          "After each window every connection finishes its request in flight, so each 201 is counted and",
          "matched against the store. The goal is CPU per request (the app's over the bare route's, same run).",
        ]
      : [
          "## rejections",
          "",
          "The traffic of a drop after sell-out: the same claims load and users as `claims`, against a coupon",
          `of ${SOLD_OUT_UNITS.toLocaleString("en-US")} units (one per user) that the bench sells out before the warm-up. Every measured`,
          "request goes through auth, the rate limit and the guard's Lua script and answers 409 `SOLD_OUT`;",
          "nothing is appended. Compared with the same bare route.",
        ];
  return [...intro, "", ...runLines(mode, argv, machine, { ...args, per: "target" }), "", ...lines].join("\n");
}
