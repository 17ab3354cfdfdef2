import { parseArgs } from "node:util";

export interface BenchArgs {
  durationS: number;
  connections: number;
  warmupS: number;
  /** Run the app under test with --cpu-prof and summarize where its CPU time went. */
  profile: boolean;
  /** Preload a probe into command-api that times each stage of a request (see lib/phase-probe.ts). */
  phases: boolean;
  /** Leave docs/benchmarks.md alone (exploratory runs). */
  writeDocs: boolean;
  /** Extra env entries for the app under test, e.g. DATABASE_POOL_SIZE=20, to try a tuning. */
  childEnv: Record<string, string>;
  /** Distinct users instead of the mode's own number (claims, rejections, orders, system). */
  users: number | undefined;
}

export const USAGE = `options:
  --duration <s>       measured seconds per target (default 20)
  --connections <n>    concurrent keep-alive connections (default 100)
  --warmup <s>         unmeasured seconds first, so JIT and lazy state are warm (default 2, 0 = none)
  --profile            CPU-profile the app under test and print where the time went (docs not written)
  --phases             time each stage of a claim inside command-api (docs not written)
  --no-docs            do not update docs/benchmarks.md
  --env KEY=VALUE      extra env for the app under test (repeatable)
  --users <n>          distinct users (claims, rejections, orders, system; default 100000): a run with
                       another number is not the goals' run, so it leaves the docs alone
lag also takes:
  --source <s>         how its projector is fed: embedded, kafka or both (default both)
projector takes only:
  --events <n>         events to seed and project (default 200000)
  --mode <m>           embedded, kafka or both (default both; docs are written for both only)
  --profile, --no-docs`;

function positiveInt(name: string, raw: string | undefined, fallback: number, min = 1): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min} (got ${raw})`);
  return n;
}

export function parseBenchArgs(args: string[]): BenchArgs {
  const { values } = parseArgs({
    args,
    options: {
      duration: { type: "string" },
      connections: { type: "string" },
      warmup: { type: "string" },
      profile: { type: "boolean", default: false },
      phases: { type: "boolean", default: false },
      "no-docs": { type: "boolean", default: false },
      env: { type: "string", multiple: true, default: [] },
      users: { type: "string" },
    },
    strict: true,
    allowPositionals: false,
  });
  const childEnv: Record<string, string> = {};
  for (const pair of values.env) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new Error(`--env needs KEY=VALUE (got ${pair})`);
    childEnv[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return {
    durationS: positiveInt("duration", values.duration, 20),
    connections: positiveInt("connections", values.connections, 100),
    warmupS: positiveInt("warmup", values.warmup, 2, 0),
    profile: values.profile,
    phases: values.phases,
    // Profiled or probed runs are slower by design; their numbers must not land in the docs.
    writeDocs: !values["no-docs"] && !values.profile && !values.phases && values.users === undefined,
    childEnv,
    users: values.users === undefined ? undefined : positiveInt("users", values.users, 0),
  };
}
