import { startBareChild, startCommandApiChild } from "./lib/apps.js";
import type { BenchArgs } from "./lib/args.js";
import { createFloorTable } from "./lib/floor-claims.js";
import { machineLine } from "./lib/machine.js";
import { startBench } from "./lib/start.js";
import { startBenchChild } from "./lib/bench-child.js";
import type { Cleanup } from "./lib/cleanup.js";
import { COUPON_UNITS, createBenchCoupon } from "./lib/coupon.js";
import { backingServers, cpuLine } from "./lib/cpu-usage.js";
import { FLOOR_STEPS, STEP_NOTES } from "./lib/floor-steps.js";
import { cpuUs } from "./lib/goals.js";
import { measure, type Measurement, type Target } from "./lib/measure.js";
import { resultsTable, runLines, writeDocSection } from "./lib/report.js";
import { adminToken } from "./lib/tokens.js";
import { USERS } from "./claims.js";

const log = (line: string) => console.log(line);

interface Rung {
  name: string;
  note: string;
  m: Measurement;
}

/**
 * What each piece of a claim costs: the bare route, then the floor server's steps (see
 * FLOOR_STEPS), then command-api's real claim, one after another under the same load and users.
 * Each rung's CPU per request is read beside the bare route's from the same run.
 */
export async function run(argv: string[], cleanup: Cleanup): Promise<number> {
  const { args, fx, machine, signing, headers } = await startBench(argv, cleanup, USERS, log);
  await createFloorTable(fx.db);
  const servers = await backingServers(fx.redisUrl);
  const rungs: Rung[] = [];
  const measureChild = async (name: string, note: string, child: { url: string; pid: number; stop: () => Promise<void> }, path: string) => {
    log(`${name}: ${note}`);
    const target: Target = { url: `${child.url}${path}`, method: "POST", headers };
    rungs.push({ name, note, m: await measure(target, args, [{ label: name, pids: [child.pid] }, ...servers], log) });
    await child.stop();
  };

  await measureChild("bare", "hono route, nothing behind it", await startBareChild(fx, cleanup), "/bare");
  for (const step of FLOOR_STEPS) {
    const child = await startBenchChild(cleanup, {
      name: step,
      entry: "shared/devtools/src/bench/floor-server.ts",
      env: { ...fx.env.childBase, NODE_ENV: "production" },
      args: ["--step", step, "--database", fx.databaseUrl, "--redis", fx.redisUrl, "--prefix", fx.redisKeyPrefix, "--secret", fx.jwtSecret],
    });
    await measureChild(step, STEP_NOTES[step], child, "/claims");
  }
  const api = await startCommandApiChild(fx, args, cleanup);
  const couponId = await createBenchCoupon(api.url, await adminToken(signing), COUPON_UNITS, COUPON_UNITS);
  await measureChild("command-api", "Surge's claim", api, `/coupons/${couponId}/claims`);

  const bareUs = cpuUs(rungs[0]!.m.cpu, "bare", rungs[0]!.m.main.requestsPerSec);
  let previous = bareUs;
  const ladder = rungs.map((r) => {
    const us = cpuUs(r.m.cpu, r.name, r.m.main.requestsPerSec);
    const row = `| ${r.name} | ${r.note} | ${r.m.main.requestsPerSec.toFixed(0)} | ${r.m.main.p99Ms.toFixed(1)} | ${us.toFixed(0)} | ${(us - previous).toFixed(0)} | ${(us / bareUs).toFixed(2)}× |`;
    previous = us;
    return row;
  });
  const non2xx = rungs.filter((r) => r.m.main.non2xx > 0 || r.m.main.errors > 0);
  const lines = [
    resultsTable(rungs.map((r) => ({ target: `${r.name} (${r.note})`, result: r.m.main }))),
    "",
    "| rung | adds | requests/s | p99 ms | CPU µs per request | µs over the rung before | ÷ bare |",
    "| --- | --- | --: | --: | --: | --: | --: |",
    ...ladder,
    "",
    ...rungs.map((r) => `- CPU during the ${r.name} window: ${cpuLine(r.m.cpu)}`),
    ...(non2xx.length > 0 ? [`- **not every answer a 201**: ${non2xx.map((r) => `${r.name} ${JSON.stringify(r.m.main.byStatus)}`).join("; ")}`] : []),
  ];
  log(`\n${lines.join("\n")}`);
  if (args.writeDocs) await writeDocSection("floor", docSection(argv, machineLine(machine), args, lines));
  return non2xx.length === 0 ? 0 : 1;
}

function docSection(argv: string[], machine: string, args: BenchArgs, lines: string[]): string {
  const intro = [
    "## floor",
    "",
    "What each piece of a claim costs on this box: the bare hono route, then a claim built up one piece",
    "at a time (`floor-server.ts`: one guard EVALSHA; a durable group-committed multi-row INSERT; Surge's",
    "event store instead of that INSERT; first-time JWT verification; the platform's app frame), then",
    "command-api's real claim. Same load, same 100,000 users' tokens, one after another in one run.",
  ];
  return [...intro, "", ...runLines("floor", argv, machine, { ...args, per: "target" }), "", ...lines].join("\n");
}
