import { preflight } from "@surge/platform/preflight";
import { builtApps, repoRoot } from "./apps.js";
import { describeMigrations, exitWith, prepareDatabase } from "@surge/batch/prepare-database";
import { childEnv, readEnv } from "./env.js";
import { Supervisor } from "./supervisor.js";

/**
 * `npm start`: checks MariaDB/MySQL and Redis, migrates, then runs every built app as a child
 * process with prefixed logs until Ctrl-C or until one of them exits.
 */
const color = process.stdout.isTTY === true && process.stdout.hasColors();
const say = (message: string) => console.log(color ? `\x1b[1msurge |\x1b[0m ${message}` : `surge | ${message}`);

let kafka = false;
let simulate = true;
try {
  const env = readEnv();
  kafka = env.KAFKA_BROKERS !== undefined;
  simulate = env.PG_BASE_URL === undefined;
  await preflight({ databaseUrl: env.DATABASE_URL, redisUrl: env.REDIS_URL });
  say(describeMigrations(await prepareDatabase(env.DATABASE_URL)));
} catch (err) {
  exitWith(err);
}

const { found, missing } = builtApps({ kafka, pgSimulator: simulate });
if (kafka) say("KAFKA_BROKERS is set: the relay publishes to Kafka and the projector consumes from it");
for (const entry of missing) say(`${entry} is not built yet; starting without it`);
if (found.length === 0) {
  console.error("surge | no app is built: run `npm run build` first");
  process.exit(1);
}

const supervisor = new Supervisor({ cwd: repoRoot, env: childEnv(), graceMs: 10_000, color, log: say });
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    say(`${signal}: stopping ${found.map((a) => a.name).join(", ")}`);
    supervisor.stop();
  });
}
say(`starting ${found.map((a) => a.name).join(", ")} (Ctrl-C stops all)`);
process.exitCode = await supervisor.run(found);
