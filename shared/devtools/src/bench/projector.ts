import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { EVENT_TOPICS } from "@surge/platform/kafka/topics";
import { MysqlEventStore } from "@surge/platform/eventstore/mysql-event-store";
import { PROJECTOR_CHECKPOINT, RELAY_CHECKPOINT } from "@surge/platform/db/checkpoints";
import { type Db } from "@surge/platform/db/database";
import { applyTime, now, timeCatchUp, type CatchUp } from "./lib/catch-up.js";
import type { Cleanup } from "./lib/cleanup.js";
import { profileReport } from "./lib/cpuprofile.js";
import { backingServers, cpuLine, noiseWarning, startCpuSampler, type Watched } from "./lib/cpu-usage.js";
import { probeCommit, serverInfo } from "./lib/database.js";
import { readBenchEnv } from "./lib/env.js";
import { seedEventMix } from "./lib/event-mix.js";
import { createFixture, type Fixture } from "./lib/fixture.js";
import { BENCH_PARTITIONS, kafkaEnv, mockPids, startBenchKafka, waitForProjectorGroup } from "./lib/kafka.js";
import { feedKafka } from "./lib/kafka-feed.js";
import { describeMachine, machineLine } from "./lib/machine.js";
import { startProjectorChild, startRelayChild } from "./lib/pipeline-apps.js";
import { runLines, writeDocSection } from "./lib/report.js";

const EVENTS = 200_000;
const GOAL_EMBEDDED = 20_000;
const GOAL_KAFKA = 10_000;
/** How far the feed may run ahead of a Kafka-fed projector: a few MB a partition at most. */
const FEED_AHEAD = 20_000;
const log = (line: string) => console.log(line);

interface Args {
  events: number;
  embedded: boolean;
  kafka: boolean;
  profile: boolean;
  writeDocs: boolean;
}

function parse(argv: string[]): Args {
  const { values } = parseArgs({
    args: argv,
    options: {
      events: { type: "string" },
      mode: { type: "string", default: "both" },
      profile: { type: "boolean", default: false },
      "no-docs": { type: "boolean", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const events = values.events === undefined ? EVENTS : Number(values.events);
  if (!Number.isInteger(events) || events < 100) throw new Error(`--events must be an integer >= 100 (got ${values.events})`);
  if (!["embedded", "kafka", "both"].includes(values.mode)) throw new Error(`--mode must be embedded, kafka or both (got ${values.mode})`);
  return {
    events,
    embedded: values.mode !== "kafka",
    kafka: values.mode !== "embedded",
    profile: values.profile,
    // A profiled run is slower by design, and a partial one leaves a row out: neither lands in the docs.
    writeDocs: !values["no-docs"] && !values.profile && values.mode === "both",
  };
}

/** What one phase adds to the report. */
interface Phase {
  rows: string[];
  notes: string[];
  profiles: string[];
  pass: boolean;
  /** Percent of a core other processes used meanwhile (noise). */
  others?: number;
}

interface Run {
  fx: Fixture;
  cleanup: Cleanup;
  events: number;
  head: number;
  servers: Watched[];
  profileRoot: string | undefined;
}

const row = (mode: string, events: number, r: CatchUp) =>
  `| ${mode} | ${events} | ${r.seconds.toFixed(1)} | ${r.firstMoveS.toFixed(1)} | ${Math.round(events / r.seconds)} | ${r.peakMb.toFixed(0)} |`;
const verdict = (rate: number, goal: number) => `**${Math.round(rate)} events/s** (goal ≥ ${goal}: ${rate >= goal ? "met" : "not met"})`;
const handledCount = async (db: Db) =>
  Number(
    (
      await db
        .selectFrom("event_handled")
        .select((eb) => eb.fn.countAll<string | number>().as("n"))
        .executeTakeFirstOrThrow()
    ).n,
  );

async function embedded({ fx, cleanup, events, head, servers, profileRoot }: Run): Promise<Phase> {
  log("projector: projecting from zero (embedded mode: the store's log, no Kafka)");
  const t0 = now();
  const child = await startProjectorChild(fx, cleanup, { profileRoot });
  const cpu = await startCpuSampler([{ label: "projector", pids: [child.pid] }, ...servers], "bench");
  const [r] = await timeCatchUp(t0, [{ child, db: fx.db, checkpoint: PROJECTOR_CHECKPOINT }], head);
  const cpuShares = await cpu();
  const applying = await applyTime(child);
  await child.stop();
  return {
    rows: [row("embedded (store poller)", events, r!)],
    notes: [
      `- embedded: ${verdict(events / r!.seconds, GOAL_EMBEDDED)}; time includes the projector's start-up; applying: ${applying}`,
      `- CPU while the embedded projector ran: ${cpuLine(cpuShares)}`,
    ],
    profiles: profileRoot ? [await profileReport(profileRoot, "projector", r!.window, 30)] : [],
    pass: true,
    others: cpuShares.others,
  };
}

/** The relay alone publishing the whole store (nobody consumes: the mock drops the oldest, which costs nothing here). */
async function relayAlone({ fx, cleanup, events, head, servers, profileRoot }: Run): Promise<Phase> {
  const kafka = await startBenchKafka(cleanup);
  if (typeof kafka === "string") return { rows: [], notes: [`- relay: not measured (${kafka})`], profiles: [], pass: false };
  log("relay: publishing the store to Kafka (librdkafka's mock broker)");
  const t0 = now();
  const relay = await startRelayChild(fx, cleanup, kafkaEnv(kafka), profileRoot);
  const cpu = await startCpuSampler([{ label: "relay", pids: [relay.pid] }, { label: "Kafka mock", pids: await mockPids() }, ...servers], "bench");
  const [r] = await timeCatchUp(t0, [{ child: relay, db: fx.db, checkpoint: RELAY_CHECKPOINT }], head);
  const cpuShares = await cpu();
  await relay.stop();
  await kafka.stop();
  return {
    rows: [row("relay alone (store → Kafka)", events, r!)],
    notes: [
      `- relay: **${Math.round(events / r!.seconds)} events/s** published and acknowledged (batches of 500, each followed by a watermark ` +
        "to every partition), start-up included",
      `- CPU while the relay ran: ${cpuLine(cpuShares)}`,
    ],
    profiles: profileRoot ? [await profileReport(profileRoot, "relay", r!.window, 20)] : [],
    pass: true,
    others: cpuShares.others,
  };
}

/**
 * A projector in Kafka mode, in a fresh database that only Kafka can feed. It joins its group over
 * an empty broker; then the bench publishes the store with the relay's own publisher, held at most
 * FEED_AHEAD events ahead of the projector's checkpoint: the mock keeps only about the last 5 MB of
 * a partition, so a store published whole first, or a relay far ahead, would lose records.
 */
async function viaKafka({ fx, cleanup, events, head, servers, profileRoot }: Run): Promise<Phase> {
  const kafka = await startBenchKafka(cleanup);
  if (typeof kafka === "string") return { rows: [], notes: [`- via Kafka: not measured (${kafka})`], profiles: [], pass: false };
  log("projector: projecting from zero out of Kafka (librdkafka's mock broker), into a fresh database");
  const target = await createFixture(fx.env, cleanup);
  const joinStarted = performance.now();
  const projector = await startProjectorChild(fx, cleanup, { kafka: kafkaEnv(kafka), databaseUrl: target.databaseUrl, profileRoot });
  await waitForProjectorGroup(kafka, 60_000);
  const joinS = (performance.now() - joinStarted) / 1000;

  const t0 = now();
  const cpu = await startCpuSampler(
    [{ label: "projector", pids: [projector.pid] }, { label: "Kafka mock", pids: await mockPids() }, ...servers],
    "bench (feeding Kafka)",
  );
  const store = new MysqlEventStore(fx.db);
  const fed = feedKafka(kafka, store, target.db, FEED_AHEAD);
  const [r] = await timeCatchUp(t0, [{ child: projector, db: target.db, checkpoint: PROJECTOR_CHECKPOINT }], head);
  await fed;
  const cpuShares = await cpu();
  const applying = await applyTime(projector);
  await projector.stop();
  await kafka.stop();
  const handled = await handledCount(target.db);
  const pass = handled === events;
  return {
    rows: [row("projector via Kafka (consumer group)", events, r!)],
    notes: [
      `- via Kafka: ${verdict(events / r!.seconds, GOAL_KAFKA)}, timed from the first publish; applying: ${applying}; ` +
        `every event applied once: ${handled} of ${events} **${pass ? "PASS" : "FAIL"}**`,
      `- before that, the projector took ${joinS.toFixed(1)} s from its start to join the consumer group and read every partition, not ` +
        "counted above; 3 s of it is the broker's first-join delay (a real broker's group.initial.rebalance.delay.ms is 3 s by default too)",
      `- CPU while the projector consumed: ${cpuLine(cpuShares)}`,
      `- the broker is librdkafka's mock cluster (one broker, ${EVENT_TOPICS.length} topics × ${BENCH_PARTITIONS} partitions, in memory), the one the ` +
        "Kafka tests use: it shares the two cores, and its speed says nothing about a real broker's. It answers a fetch with at most one " +
        "produce batch per partition (one relay batch), and keeps only about the last 5 MB of a partition",
    ],
    profiles: profileRoot ? [await profileReport(profileRoot, "projector-kafka", r!.window, 30)] : [],
    pass,
    others: cpuShares.others,
  };
}

export async function run(argv: string[], cleanup: Cleanup): Promise<number> {
  const args = parse(argv);
  const profileRoot = args.profile ? await mkdtemp(join(tmpdir(), "surge-bench-")) : undefined;
  const fx = await createFixture(readBenchEnv(), cleanup);
  const machine = await describeMachine(await serverInfo(fx.db), await probeCommit(fx.db));
  log(`machine: ${machineLine(machine)}`);

  log(`projector: seeding ${args.events} events`);
  const store = new MysqlEventStore(fx.db);
  let shown = 0;
  const events = await seedEventMix(store, args.events, (n) => {
    if (n - shown >= 20_000) log(`  ${(shown = n)} events stored`);
  });
  await store.close();
  const servers = (await backingServers(fx.redisUrl)).filter((w) => w.label === "mariadbd");
  const r: Run = { fx, cleanup, events, head: await store.headPosition(), servers, profileRoot };
  const phases = [...(args.embedded ? [await embedded(r)] : []), ...(args.kafka ? [await relayAlone(r), await viaKafka(r)] : [])];

  const lines = [
    "| mode | events | seconds | first checkpoint move s | events/s | peak RSS MB |",
    "|---|--:|--:|--:|--:|--:|",
    ...phases.flatMap((p) => p.rows),
    "",
    ...phases.flatMap((p) => p.notes),
    ...noiseWarning(Math.max(0, ...phases.map((p) => p.others ?? 0))),
  ];
  log(`\n${lines.join("\n")}`);
  for (const p of phases.flatMap((x) => x.profiles)) log(p);
  if (args.writeDocs) {
    await writeDocSection(
      "projector",
      [
        "## projector",
        "",
        `${events.toLocaleString("en-US")} stored events (a coupon drop's claims, a three-deal sale's orders of which 60 % paid and 10 %`,
        "cancelled, wallet charges) projected from position 0 into every read model by a fresh projector process.",
        "Embedded: the projector tails the store, timed from its start until its checkpoint reaches the store's",
        "head. Relay: `npm run relay` publishes the whole store to an empty broker, timed from its start until",
        "its checkpoint reaches the head. Via Kafka: a projector in Kafka mode joins its consumer group over a",
        "fresh broker; then the bench publishes the store with the relay's own publisher, never more than",
        `${FEED_AHEAD.toLocaleString("en-US")} events ahead of the projector, which projects into a fresh database and is timed from the`,
        "first publish until its checkpoint reaches the head.",
        "",
        ...runLines("projector", argv, machineLine(machine)),
        "",
        ...lines,
      ].join("\n"),
    );
  }
  return phases.every((p) => p.pass) ? 0 : 1;
}
