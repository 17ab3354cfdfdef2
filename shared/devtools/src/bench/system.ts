import type {} from "@surge/areas/coupons/tables";
import { setTimeout as delay } from "node:timers/promises";
import { execFileSync } from "node:child_process";
import { couponStream } from "@surge/areas/coupons/coupon-events";
import { MysqlEventStore } from "@surge/platform/eventstore/mysql-event-store";
import { PROJECTOR_CHECKPOINT, readCheckpoint } from "@surge/platform/db/checkpoints";
import { startBareChild, startCommandApiChild } from "./lib/apps.js";
import { type BenchArgs } from "./lib/args.js";
import { startBench } from "./lib/start.js";
import { appEnv, startBenchChild } from "./lib/bench-child.js";
import { REPO_ROOT } from "./lib/child.js";
import type { Cleanup } from "./lib/cleanup.js";
import { COUPON_UNITS, createBenchCoupon, guardClaimed } from "./lib/coupon.js";
import { profileReport } from "./lib/cpuprofile.js";
import { backingServers, cpuLine, noiseWarning, type Watched } from "./lib/cpu-usage.js";
import { countEvents } from "./lib/database.js";
import { cpuUs, p99Line, startRssSampler, verdict } from "./lib/goals.js";
import { startLagSampler } from "./lib/lag-sampler.js";
import { machineLine } from "./lib/machine.js";
import { count, measure } from "./lib/measure.js";
import { startProjectorChild } from "./lib/pipeline-apps.js";
import { startQueryApiChild } from "./lib/query-apps.js";
import { resultsTable, runLines, writeDocSection } from "./lib/report.js";
import { adminToken } from "./lib/tokens.js";
import { USERS } from "./claims.js";

const GOAL_RATIO = 0.35;
const GOAL_P99_MS = 25;
const GOAL_LAG_P99_S = 1;
const GOAL_RSS_MB = 250;
const SAMPLE_MS = 200;
const log = (line: string) => console.log(line);

/**
 * The whole system as `npm start` runs it, from the built dist (command-api, projector, query-api, batch; no Kafka, so
 * no relay; the card gateway simulator is left out: nothing in a claim calls it), under the claims
 * load of `bench claims`, then the bare route alone on the same box.
 */
export async function run(argv: string[], cleanup: Cleanup): Promise<number> {
  const { args, fx, machine, profileRoot, signing, headers } = await startBench(argv, cleanup, USERS, log);
  const store = new MysqlEventStore(fx.db);

  // As `npm start` does: build, then run each app's dist (tsx's loader is not in the RSS measured).
  log("system: npm run build");
  execFileSync("npm", ["run", "build", "--silent"], { cwd: REPO_ROOT, stdio: ["ignore", "ignore", "inherit"] });
  log("system: starting command-api, projector, query-api and batch (built)");
  const [api, projector, query, batch] = await Promise.all([
    startCommandApiChild(fx, args, cleanup, { profileRoot, built: true }),
    startProjectorChild(fx, cleanup, { profileRoot, built: true }),
    startQueryApiChild(fx, args, cleanup, profileRoot, true),
    startBenchChild(cleanup, { name: "batch", entry: "batch/src/main.ts", portVar: "BATCH_PORT", profileRoot, env: appEnv(fx), built: true }),
  ]);
  const watched: Watched[] = [
    { label: "command-api", pids: [api.pid] },
    { label: "projector", pids: [projector.pid] },
    { label: "query-api", pids: [query.pid] },
    { label: "batch", pids: [batch.pid] },
    ...(await backingServers(fx.redisUrl)),
  ];
  const couponId = await createBenchCoupon(api.url, await adminToken(signing));
  const stopRss = startRssSampler(api.pid);
  let sampled: ReturnType<ReturnType<typeof startLagSampler>> | undefined;
  const m = await measure({ url: `${api.url}/coupons/${couponId}/claims`, method: "POST", headers }, args, watched, log, async () => {
    const stop = startLagSampler(fx.db, store, [PROJECTOR_CHECKPOINT], SAMPLE_MS);
    sampled = delay(args.durationS * 1000).then(stop);
  });
  const lag = (await sampled!)[PROJECTOR_CHECKPOINT]!;
  const peakRss = stopRss();
  const head = await store.headPosition();
  const caughtUpAt = performance.now();
  while ((await readCheckpoint(fx.db)) < head && performance.now() - caughtUpAt < 120_000) await delay(50);
  const catchUpS = (performance.now() - caughtUpAt) / 1000;
  const events = await countEvents(fx.db, couponStream(couponId), "CouponClaimed");
  const claimed = await guardClaimed(fx.redisUrl, fx.redisKeyPrefix, couponId);
  const projected = Number(
    (
      await fx.db
        .selectFrom("coupon_claims")
        .select((eb) => eb.fn.countAll<string | number>().as("n"))
        .executeTakeFirstOrThrow()
    ).n,
  );
  await Promise.all([api, projector, query, batch].map((c) => c.stop()));
  await store.close();

  log("bare: starting the bare hono route");
  const bare = await startBareChild(fx, cleanup, profileRoot);
  const bareM = await measure({ url: `${bare.url}/bare`, method: "POST", headers }, args, [{ label: "bare", pids: [bare.pid] }], log);
  await bare.stop();

  const created = count(m, 201);
  const pass = created === events && created > 0 && COUPON_UNITS - claimed + events === COUPON_UNITS && projected === events;
  const ratio = m.main.requestsPerSec / bareM.main.requestsPerSec;
  const s = (v: number) => v.toFixed(v < 10 ? 2 : 1);
  const lines = [
    resultsTable([
      { target: "claims, whole system running", result: m.main },
      { target: "bare `POST /bare`, alone", result: bareM.main },
    ]),
    "",
    `- claims/s vs bare: **${ratio.toFixed(2)}** (goal ≥ ${GOAL_RATIO}: ${verdict(ratio >= GOAL_RATIO)})`,
    p99Line("claims", m.main.p99Ms, GOAL_P99_MS).line,
    `- projector lag p99 **${s(lag.p99S)} s** (goal < ${GOAL_LAG_P99_S} s: ${verdict(lag.p99S < GOAL_LAG_P99_S)}); p50 ${s(lag.p50S)} s, max ${s(lag.maxS)} s, ` +
      `p99 ${lag.p99Events} events behind, ${lag.samples} samples every ${SAMPLE_MS} ms; caught up ${catchUpS.toFixed(2)} s after the load`,
    `- command-api peak RSS **${peakRss.toFixed(0)} MB** (goal ≤ ${GOAL_RSS_MB} MB: ${verdict(peakRss <= GOAL_RSS_MB)}), sampled every 100 ms from start to the end of the window`,
    `- correctness: ${created} 201 responses = ${events} CouponClaimed events = ${projected} coupon_claims rows; guard stock ${COUPON_UNITS - claimed} + sold ${events} = ${COUPON_UNITS - claimed + events}: **${pass ? "PASS" : "FAIL"}**`,
    `- CPU per claim: command-api ${cpuUs(m.cpu, "command-api", m.main.requestsPerSec).toFixed(0)} µs, projector ${cpuUs(m.cpu, "projector", m.main.requestsPerSec).toFixed(0)} µs; bare ${cpuUs(bareM.cpu, "bare", bareM.main.requestsPerSec).toFixed(0)} µs per request`,
    `- CPU during the system window: ${cpuLine(m.cpu)}`,
    `- CPU during the bare window: ${cpuLine(bareM.cpu)}`,
    ...noiseWarning(Math.max(m.cpu.others, bareM.cpu.others)),
  ];
  log(`\n${lines.join("\n")}`);
  if (profileRoot) {
    log(await profileReport(profileRoot, api.name, m.window, 25, m.main.requestsPerSec * args.durationS));
    log(await profileReport(profileRoot, projector.name, m.window, 15, m.main.requestsPerSec * args.durationS));
  }
  if (args.writeDocs) await writeDocSection("system", docSection(args, argv, machineLine(machine), lines));
  return pass ? 0 : 1;
}

function docSection(args: BenchArgs, argv: string[], machine: string, lines: string[]): string {
  return [
    "## system",
    "",
    "The claims load of `bench claims` (same users, coupon and connections) with everything `npm start`",
    "runs sharing the box: command-api, projector (tailing the store), query-api and batch; no Kafka, so",
    "no relay; the card gateway simulator is idle during claims and left out. Projector lag is sampled",
    `every ${SAMPLE_MS} ms as its /metrics computes it; command-api's RSS every 100 ms. The bare route then runs alone.`,
    "",
    ...runLines("system", argv, machine, { ...args, per: "target" }),
    "",
    ...lines,
  ].join("\n");
}
