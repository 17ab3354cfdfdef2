import { createDb } from "@surge/platform/db/database";
import { MysqlEventStore } from "@surge/platform/eventstore/mysql-event-store";
import type { Cleanup } from "./lib/cleanup.js";
import { runLines, writeDocSection } from "./lib/report.js";
import { bareInsert, createFloorTable, insertFloorClaim, newFloorClaim, storeFloorClaim } from "./lib/floor-claims.js";
import { machineLine } from "./lib/machine.js";
import { openBench } from "./lib/start.js";

const log = (line: string) => console.log(line);
const WRITERS = 100;

interface Run {
  name: string;
  perSecond: number;
  cpuUs: number;
}

/**
 * The append alone, in this process, with no HTTP in front: 100 writers append claim-shaped events
 * to one stream (a drop's coupon) through Surge's event store, then through the smallest durable
 * equivalent (one group-committed multi-row INSERT, autocommit), in turns. CPU per append is this
 * process's own (the store's JS, mysql2 and the socket writes), read from process.cpuUsage().
 */
export async function run(argv: string[], cleanup: Cleanup): Promise<number> {
  const { args, fx, machine } = await openBench(argv, cleanup, log);
  await createFloorTable(fx.db);
  const db = createDb({ url: fx.databaseUrl });
  cleanup.add(() => db.destroy());
  const store = new MysqlEventStore(db);
  const insert = bareInsert(db);
  let user = 0;
  const viaStore = () => storeFloorClaim(store, newFloorClaim(`u${user++}`));
  const viaInsert = () => insertFloorClaim(insert, newFloorClaim(`u${user++}`));

  const runs: Run[] = [];
  for (let round = 0; round < 3; round++) {
    for (const [name, append] of [
      ["event store", viaStore],
      ["bare INSERT", viaInsert],
    ] as const) {
      await writers(append, args.warmupS);
      const started = process.cpuUsage();
      const n = await writers(append, args.durationS);
      const cpu = process.cpuUsage(started);
      runs.push({ name, perSecond: n / args.durationS, cpuUs: (cpu.user + cpu.system) / n });
      log(`  ${name}: ${(n / args.durationS).toFixed(0)} appends/s, ${((cpu.user + cpu.system) / n).toFixed(1)} µs CPU per append`);
    }
  }
  await store.close();
  const mean = (name: string) => runs.filter((r) => r.name === name).reduce((s, r, _, all) => s + r.cpuUs / all.length, 0);
  const lines = [
    "| round | path | appends/s | CPU µs per append |",
    "| --: | --- | --: | --: |",
    ...runs.map((r, i) => `| ${Math.floor(i / 2) + 1} | ${r.name} | ${r.perSecond.toFixed(0)} | ${r.cpuUs.toFixed(1)} |`),
    "",
    `- mean CPU per append: event store **${mean("event store").toFixed(1)} µs**, bare INSERT **${mean("bare INSERT").toFixed(1)} µs** (${(mean("event store") / mean("bare INSERT")).toFixed(2)}×)`,
  ];
  log(`\n${lines.join("\n")}`);
  if (args.writeDocs) {
    const intro = [
      "## append",
      "",
      `The append alone, in the bench's own process with no HTTP in front: ${WRITERS} writers append claim-shaped`,
      "events to one stream through the event store (schema check, positions under the sequence lock,",
      "version and fence reads, hash chain, group commit), then through the smallest durable equivalent",
      "(a group-committed multi-row INSERT in autocommit), three rounds in turns. CPU is the process's own.",
    ];
    await writeDocSection("append", [...intro, "", ...runLines("append", argv, machineLine(machine)), "", ...lines].join("\n"));
  }
  return 0;
}

/** `WRITERS` loops appending for `seconds`; answers how many appends completed. */
async function writers(append: () => Promise<void>, seconds: number): Promise<number> {
  const until = performance.now() + seconds * 1000;
  let n = 0;
  const loop = async () => {
    while (performance.now() < until) {
      await append();
      n++;
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, loop));
  return n;
}
