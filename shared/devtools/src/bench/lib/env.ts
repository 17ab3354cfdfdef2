import { readEnv } from "@surge/command-api/env";

export interface BenchEnv {
  /** DATABASE_URL of the caller; the bench keeps its server and swaps the database for its own. */
  databaseUrl: string;
  redisUrl: string;
  /** The little a child node process needs from the caller's environment to run at all. */
  childBase: Record<string, string>;
}

const PASSED_TO_CHILDREN = ["PATH", "HOME", "TMPDIR", "LANG"] as const;

/**
 * The bench's only reader of process.env. Children get an env built from an explicit object, not
 * the caller's whole environment, so a stray GUARD_* or NODE_OPTIONS cannot skew a measurement.
 */
export function readBenchEnv(): BenchEnv {
  const env = readEnv();
  const childBase: Record<string, string> = {};
  for (const name of PASSED_TO_CHILDREN) {
    const value = process.env[name];
    if (value !== undefined) childBase[name] = value;
  }
  return { databaseUrl: env.DATABASE_URL, redisUrl: env.REDIS_URL, childBase };
}
