import { parseArgs } from "node:util";
import { addDays, businessDate, isCalendarDate } from "@surge/areas/rankings/calendar";
import { createDb } from "@surge/platform/db/database";
import { createRedis } from "@surge/platform/redis/redis";
import { preflight, PreflightError } from "@surge/platform/preflight";
import { readEnv } from "./env.js";
import { RedisLocks } from "@surge/platform/redis/lock";
import { ProgressBar } from "./progress.js";
import { runExclusive } from "@surge/areas/rankings/jobs/exclusive";
import { findRankingJob, rankingJobs } from "@surge/areas/rankings/jobs/jobs";
import { deadLettersCommand, deadLettersUsage } from "./dead-letters.js";

/**
 * `npm run batch -- <job> [--date YYYY-MM-DD] [--all] [--check]`: runs one batch job by hand, with
 * a progress bar on stderr and a summary on stdout. It takes the same Redis lock as the nightly
 * run, so it never overlaps one. Exit codes: 0 done, 1 failed or mismatches left unrepaired,
 * 2 usage, 3 another process holds the job.
 */
const usage = `usage: npm run batch -- <job> [options]

jobs:
${rankingJobs.map((j) => `  ${j.name.padEnd(18)} ${j.description}`).join("\n")}

options:
  --date YYYY-MM-DD   the business date to work on (default: yesterday in BUSINESS_TZ)
  --all               verify-rollups: every week and month that has rows
  --check             verify-rollups: report mismatches, repair nothing

${deadLettersUsage}`;

const out = (line: string) => process.stdout.write(`${line}\n`);
const fail = (message: string, code: number): never => {
  process.stderr.write(`${message}\n`);
  process.exit(code);
};

function parse() {
  try {
    const { values, positionals } = parseArgs({
      options: {
        date: { type: "string" },
        all: { type: "boolean", default: false },
        check: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      allowPositionals: true,
      strict: true,
    });
    if (values.help) {
      process.stdout.write(usage);
      process.exit(0);
    }
    const job = positionals.length === 1 ? findRankingJob(positionals[0]!) : undefined;
    if (!job) return fail(`${positionals.length === 1 ? `unknown job: ${positionals[0]}\n\n` : ""}${usage}`, 2);
    if (values.date !== undefined && !isCalendarDate(values.date)) return fail(`--date must be a calendar date YYYY-MM-DD (got ${values.date})`, 2);
    return { job, date: values.date, all: values.all, checkOnly: values.check };
  } catch (err) {
    return fail(`${err instanceof Error ? err.message : String(err)}\n\n${usage}`, 2);
  }
}

/** `dead-letters list|retry`: the payment jobs' dead letters, not a ranking job. */
async function runDeadLetters(argv: string[]): Promise<never> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { job: { type: "string" }, order: { type: "string" } }, allowPositionals: true, strict: true });
  } catch (err) {
    return fail(`${err instanceof Error ? err.message : String(err)}\n\n${deadLettersUsage}`, 2);
  }
  const env = readEnv();
  const db = createDb({ url: env.DATABASE_URL, poolSize: 1 });
  let code = 1;
  try {
    const result = await deadLettersCommand(db, parsed.positionals[0], { job: parsed.values.job, orderId: parsed.values.order });
    (result.code === 2 ? process.stderr : process.stdout).write(`${result.lines.join("\n")}\n`);
    code = result.code;
  } catch (err) {
    process.stderr.write(`dead-letters failed: ${err instanceof Error ? err.message : String(err)}\n`);
  } finally {
    await db.destroy();
  }
  process.exit(code);
}

if (process.argv[2] === "dead-letters") await runDeadLetters(process.argv.slice(3));

const args = parse();
const env = readEnv();
try {
  await preflight({ databaseUrl: env.DATABASE_URL, redisUrl: env.REDIS_URL });
} catch (err) {
  fail(err instanceof PreflightError ? err.message : String(err), 1);
}
const db = createDb({ url: env.DATABASE_URL, poolSize: 2 });
const redis = createRedis({ url: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX });
const date = args.date ?? addDays(businessDate(new Date(), env.BUSINESS_TZ), -1);
const bar = new ProgressBar(args.job.name);
const startedAt = performance.now();
let code = 1;
try {
  const outcome = await runExclusive(
    { locks: new RedisLocks(redis), redis },
    args.job,
    { db, date, all: args.all, checkOnly: args.checkOnly, progress: (done, total) => bar.update(done, total) },
    { skipIfDone: false },
  );
  bar.finish();
  if (outcome.status === "ran") {
    const { summary } = outcome;
    out(`${args.job.name} ${args.all ? "(all periods)" : date}: ${summary.headline}`);
    for (const line of summary.details) out(`  ${line}`);
    out(`took ${((performance.now() - startedAt) / 1000).toFixed(2)} s`);
    code = summary.ok ? 0 : 1;
  } else {
    process.stderr.write(`${args.job.name}: another batch process is running it now; try again when it is done\n`);
    code = 3;
  }
} catch (err) {
  bar.finish();
  // 1049 unknown database, 1146 unknown table: the schema is not there yet.
  const hint = [1049, 1146].includes(Number((err as { errno?: unknown }).errno)) ? " (run `npm run migrate` first?)" : "";
  process.stderr.write(`${args.job.name} failed: ${err instanceof Error ? err.message : String(err)}${hint}\n`);
} finally {
  redis.disconnect();
  await db.destroy();
}
process.exit(code);
