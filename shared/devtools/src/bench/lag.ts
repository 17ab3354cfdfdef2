import type {} from "@surge/areas/coupons/tables";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { couponStream } from "@surge/areas/coupons/coupon-events";
import { MysqlEventStore } from "@surge/platform/eventstore/mysql-event-store";
import { PROJECTOR_CHECKPOINT, readCheckpoint, RELAY_CHECKPOINT } from "@surge/platform/db/checkpoints";
import { type Db } from "@surge/platform/db/database";
import type { KafkaMock } from "@surge/testkit/kafka-mock";
import { startCommandApiChild } from "./lib/apps.js";
import { parseBenchArgs, type BenchArgs } from "./lib/args.js";
import type { Cleanup } from "./lib/cleanup.js";
import type { NodeChild } from "./lib/child.js";
import { createBenchCoupon } from "./lib/coupon.js";
import { profileReport } from "./lib/cpuprofile.js";
import { backingServers, cpuLine, noiseWarning, type CpuShares, type Watched } from "./lib/cpu-usage.js";
import { countEvents, probeCommit, serverInfo } from "./lib/database.js";
import { readBenchEnv } from "./lib/env.js";
import { createFixture } from "./lib/fixture.js";
import { kafkaEnv, mockPids, startBenchKafka } from "./lib/kafka.js";
import { startLagSampler, type LagStats } from "./lib/lag-sampler.js";
import { describeMachine, machineLine } from "./lib/machine.js";
import { measure } from "./lib/measure.js";
import { startProjectorChild, startRelayChild } from "./lib/pipeline-apps.js";
import { runLines, writeDocSection } from "./lib/report.js";
import { adminToken, benchSigning, rotatingHeaders, userTokens } from "./lib/tokens.js";

const USERS = 1000;
const GOAL_P99_S = 1;
const SAMPLE_MS = 200;
const log = (line: string) => console.log(line);

const KAFKA_NOTE =
  "- the mock broker answers a fetch that finds nothing new only when the consumer's wait (250 ms) is over, even if records " +
  "arrive meanwhile; a real broker answers as they arrive, so much of the Kafka row's lag is the mock's. The mock also keeps " +
  "only about 5 MB of a partition, and every claim is in the one coupon stream: claims that a projector a few seconds behind " +
  "never receives are read from the store instead (projector_refilled_from_store_total), which the check above would not show";

type Source = "embedded" | "kafka";

/** Takes `--source` out of argv; the rest are the load options every bench shares. */
function takeSource(argv: string[]): { sources: Source[]; rest: string[] } {
  const at = argv.indexOf("--source");
  if (at < 0) return { sources: ["embedded", "kafka"], rest: argv };
  const value = argv[at + 1];
  const rest = [...argv.slice(0, at), ...argv.slice(at + 2)];
  if (value === "both") return { sources: ["embedded", "kafka"], rest };
  if (value === "embedded" || value === "kafka") return { sources: [value], rest };
  throw new Error(`--source must be embedded, kafka or both (got ${value})`);
}

interface WindowResult {
  source: Source;
  claimsPerSec: number;
  claimsP99Ms: number;
  lag: LagStats;
  /** The relay's own lag (Kafka mode): the part of the projector's lag spent before Kafka. */
  relayLag?: LagStats | undefined;
  catchUpS: number;
  cpu: CpuShares;
  pass: boolean;
  detail: string;
}

/** Seconds until the projector's checkpoint reaches the store's head as it is now. */
async function caughtUp(db: Db, store: MysqlEventStore, timeoutMs: number): Promise<number> {
  const started = performance.now();
  const head = await store.headPosition();
  while ((await readCheckpoint(db)) < head) {
    if (performance.now() - started > timeoutMs) throw new Error(`the projector did not reach position ${head} within ${timeoutMs / 1000} s`);
    await delay(20);
  }
  return (performance.now() - started) / 1000;
}

/** One claims load with a projector (and, from Kafka, the relay) running, its lag sampled throughout. */
async function lagWindow(
  source: Source,
  args: BenchArgs,
  cleanup: Cleanup,
  kafka: () => Promise<KafkaMock>,
  profileRoot: string | undefined,
): Promise<WindowResult> {
  const fx = await createFixture(readBenchEnv(), cleanup);
  const store = new MysqlEventStore(fx.db);
  const signing = benchSigning(fx.jwtSecret, args);
  const headers = rotatingHeaders(await userTokens(signing, USERS), { "content-length": "0" });

  log(`lag (${source}): starting command-api and the projector`);
  const api = await startCommandApiChild(fx, args, cleanup);
  const pipeline: NodeChild[] = [];
  const watched: Watched[] = [{ label: "command-api", pids: [api.pid] }];
  if (source === "kafka") {
    const env = kafkaEnv(await kafka());
    const [relay, projector] = await Promise.all([
      startRelayChild(fx, cleanup, env, profileRoot),
      startProjectorChild(fx, cleanup, { kafka: env, profileRoot }),
    ]);
    pipeline.push(relay, projector);
    watched.push({ label: "projector", pids: [projector.pid] }, { label: "relay", pids: [relay.pid] }, { label: "Kafka mock", pids: await mockPids() });
  } else {
    const projector = await startProjectorChild(fx, cleanup, { profileRoot });
    pipeline.push(projector);
    watched.push({ label: "projector", pids: [projector.pid] });
  }
  watched.push(...(await backingServers(fx.redisUrl)));

  const couponId = await createBenchCoupon(api.url, await adminToken(signing));
  // In Kafka mode this also waits out the consumer group join.
  await caughtUp(fx.db, store, 60_000);

  const checkpoints = source === "kafka" ? [PROJECTOR_CHECKPOINT, RELAY_CHECKPOINT] : [PROJECTOR_CHECKPOINT];
  let sampled: Promise<Record<string, LagStats>> | undefined;
  const m = await measure({ url: `${api.url}/coupons/${couponId}/claims`, method: "POST", headers }, args, watched, log, async () => {
    const stop = startLagSampler(fx.db, store, checkpoints, SAMPLE_MS);
    // The window only: the drain after it is reported as the catch-up time.
    sampled = delay(args.durationS * 1000).then(stop);
  });
  const lags = await sampled!;
  const catchUpS = await caughtUp(fx.db, store, 120_000);

  const events = await countEvents(fx.db, couponStream(couponId), "CouponClaimed");
  const projected = Number(
    (
      await fx.db
        .selectFrom("coupon_claims")
        .select((eb) => eb.fn.countAll<string | number>().as("n"))
        .executeTakeFirstOrThrow()
    ).n,
  );
  await Promise.all([api.stop(), ...pipeline.map((c) => c.stop())]);
  if (profileRoot) log(await profileReport(profileRoot, source === "kafka" ? "projector-kafka" : "projector", m.window, 30));
  await store.close();
  return {
    source,
    claimsPerSec: m.main.requestsPerSec,
    claimsP99Ms: m.main.p99Ms,
    lag: lags[PROJECTOR_CHECKPOINT]!,
    relayLag: lags[RELAY_CHECKPOINT],
    catchUpS,
    cpu: m.cpu,
    pass: events > 0 && projected === events,
    detail: `${events} CouponClaimed events, ${projected} coupon_claims rows`,
  };
}

const s = (v: number) => v.toFixed(v < 10 ? 2 : 1);
const label = (src: Source) => (src === "kafka" ? "via Kafka (relay, mock broker)" : "embedded (store poller)");

export async function run(argv: string[], cleanup: Cleanup): Promise<number> {
  const { sources, rest } = takeSource(argv);
  const args = parseBenchArgs(rest);
  const probe = await createFixture(readBenchEnv(), cleanup);
  const machine = await describeMachine(await serverInfo(probe.db), await probeCommit(probe.db));
  log(`machine: ${machineLine(machine)}`);
  const profileRoot = args.profile ? await mkdtemp(join(tmpdir(), "surge-bench-")) : undefined;

  let mock: KafkaMock | undefined;
  const kafka = async () => {
    if (mock) return mock;
    const started = await startBenchKafka(cleanup);
    if (typeof started === "string") throw new Error(started);
    return (mock = started);
  };
  const results: WindowResult[] = [];
  for (const source of sources) results.push(await lagWindow(source, args, cleanup, kafka, profileRoot));

  const lines = [
    "| projector | claims/s | claims p99 ms | lag p50 s | lag p99 s | lag max s | lag p50 events | lag p99 events | lag max events | caught up after the load s |",
    "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ...results.map(
      (r) =>
        `| ${label(r.source)} | ${r.claimsPerSec.toFixed(0)} | ${r.claimsP99Ms.toFixed(1)} | ${s(r.lag.p50S)} | ${s(r.lag.p99S)} | ${s(r.lag.maxS)} | ` +
        `${r.lag.p50Events} | ${r.lag.p99Events} | ${r.lag.maxEvents} | ${r.catchUpS.toFixed(2)} |`,
    ),
    "",
    ...results.flatMap((r) => [
      `- ${r.source}: lag p99 **${s(r.lag.p99S)} s** (goal < ${GOAL_P99_S} s: ${r.lag.p99S < GOAL_P99_S ? "met" : "not met"}), ${r.lag.samples} samples; ` +
        `every claim projected: ${r.detail} **${r.pass ? "PASS" : "FAIL"}**`,
      ...(r.relayLag
        ? [
            `- ${r.source}: of that, the relay's own lag (store → Kafka acknowledged): p50 ${s(r.relayLag.p50S)} s, p99 ${s(r.relayLag.p99S)} s, max ${s(r.relayLag.maxS)} s`,
          ]
        : []),
      `- CPU during the ${r.source} window: ${cpuLine(r.cpu)}`,
    ]),
    ...(sources.includes("kafka") ? [KAFKA_NOTE] : []),
    ...noiseWarning(Math.max(...results.map((r) => r.cpu.others))),
  ];
  log(`\n${lines.join("\n")}`);
  const pass = results.every((r) => r.pass);
  if (args.writeDocs && sources.length === 2) {
    await writeDocSection("lag", docSection(args, argv, machineLine(machine), lines));
  }
  return pass ? 0 : 1;
}

function docSection(args: BenchArgs, argv: string[], machine: string, lines: string[]): string {
  return [
    "## lag",
    "",
    "Projector lag while the claims load of `bench claims` runs at full speed (same command-api, users,",
    "coupon and connections). A projector runs beside command-api, first tailing the store (embedded), then",
    "fed through the relay and Kafka (librdkafka's mock broker, as in the projector section). Every",
    `${SAMPLE_MS} ms of the measured window the bench reads, as the projector's /metrics does, how many events`,
    "the store holds past the projector's checkpoint and how long the oldest of them has waited (both",
    "instants from the database clock). Afterwards every claim must be in the coupon_claims read model.",
    "Claims/s is below the claims section's: the projector (and relay and broker) share the two cores.",
    "",
    ...runLines("lag", argv, machine, { ...args, per: "source" }),
    "",
    ...lines,
  ].join("\n");
}
