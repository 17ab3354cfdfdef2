import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { MysqlEventStore, readCheckpoint } from "@surge/shared";
import type { Cleanup } from "./lib/cleanup.js";
import { freePort, REPO_ROOT, startNodeChild } from "./lib/child.js";
import { probeCommit, serverInfo } from "./lib/database.js";
import { readBenchEnv } from "./lib/env.js";
import { seedEventMix } from "./lib/event-mix.js";
import { createFixture } from "./lib/fixture.js";
import { describeMachine, machineLine } from "./lib/machine.js";
import { writeDocSection } from "./lib/report.js";

const EVENTS = 200_000;
const GOAL_EMBEDDED = 20_000;
const log = (line: string) => console.log(line);

/** Peak resident set of a process, from the kernel's high-water mark. */
async function peakRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
  return kb ? Number(kb) / 1024 : NaN;
}

export async function run(argv: string[], cleanup: Cleanup): Promise<number> {
  const writeDocs = !argv.includes("--no-docs");
  const events = Number(argv[argv.indexOf("--events") + 1]) || EVENTS;
  const fx = await createFixture(readBenchEnv(), cleanup);
  const machine = await describeMachine(await serverInfo(fx.db), await probeCommit(fx.db));
  log(`machine: ${machineLine(machine)}`);

  log(`projector: seeding ${events} events`);
  const store = new MysqlEventStore(fx.db);
  let shown = 0;
  const seeded = await seedEventMix(store, events, (n) => {
    if (n - shown >= 20_000) log(`  ${(shown = n)} events stored`);
  });
  await store.close();
  const head = await store.headPosition();

  log("projector: projecting from zero (embedded mode: the store's log, no Kafka)");
  const port = await freePort();
  const started = performance.now();
  const child = await startNodeChild({
    name: "projector",
    entry: "projector/src/main.ts",
    port,
    env: { ...fx.env.childBase, NODE_ENV: "production", LOG_LEVEL: "warn", DATABASE_URL: fx.databaseUrl, REDIS_URL: fx.redisUrl, REDIS_KEY_PREFIX: fx.redisKeyPrefix, PROJECTOR_PORT: String(port) },
  });
  cleanup.add(() => child.stop());
  let peak = 0;
  while ((await readCheckpoint(fx.db)) < head) {
    peak = Math.max(peak, await peakRssMb(child.pid));
    await delay(100);
  }
  const seconds = (performance.now() - started) / 1000;
  peak = Math.max(peak, await peakRssMb(child.pid));
  await child.stop();

  const rate = seeded / seconds;
  const lines = [
    "| mode | events | seconds | events/s | peak RSS MB |",
    "|---|--:|--:|--:|--:|",
    `| embedded (store poller) | ${seeded} | ${seconds.toFixed(1)} | ${Math.round(rate)} | ${peak.toFixed(0)} |`,
    "",
    `- embedded: **${Math.round(rate)} events/s** (goal ≥ ${GOAL_EMBEDDED}: ${rate >= GOAL_EMBEDDED ? "met" : "not met"}); time includes the projector's start-up`,
    "- via Kafka: measured by the Kafka tests' harness only; the librdkafka mock broker is not a performance reference",
  ];
  log(`\n${lines.join("\n")}`);
  if (writeDocs) {
    await writeDocSection(
      join(REPO_ROOT, "docs/benchmarks.md"),
      "projector",
      [
        "## projector",
        "",
        `${EVENTS.toLocaleString("en-US")} stored events (a coupon drop's claims, a three-deal sale's orders of which 60 % paid and 10 %`,
        "cancelled, wallet charges) projected from position 0 into every read model by a fresh projector process.",
        "",
        `- date: ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC`,
        `- machine: ${machineLine(machine)}`,
        `- command: \`${["npm run bench --", "projector", ...argv].join(" ")}\``,
        "",
        ...lines,
      ].join("\n"),
    );
  }
  return 0;
}
