import type { Redis } from "ioredis";
import type { RedisLocks } from "@surge/platform/redis/lock";
import type { JobContext, JobSummary, RankingJob } from "./types.js";

/** Far longer than any run takes; a lock outliving a crashed holder only delays the next run. */
const LOCK_TTL_MS = 30 * 60_000;
/** How long a finished nightly run is remembered, so a second batch process does not run it again. */
const DONE_TTL_S = 8 * 24 * 3600;

export type ExclusiveOutcome = { status: "ran"; summary: JobSummary } | { status: "locked" } | { status: "done-already" };

/**
 * Runs a job while holding its Redis lock, so two batch processes (or a process and a manual run)
 * never run it at once. The lock alone does not stop a second process whose clock fires a little
 * later from running the same night again once the first released it; the "done" mark does, for
 * scheduled runs (`skipIfDone`). Manual runs ignore the mark: re-running is what they are for, and
 * every job is idempotent.
 */
export async function runExclusive(
  deps: { locks: RedisLocks; redis: Redis },
  job: RankingJob,
  ctx: JobContext,
  opts: { skipIfDone: boolean },
): Promise<ExclusiveOutcome> {
  const doneKey = `batch:done:${job.name}:${ctx.all ? "all" : ctx.date}`;
  const outcome = await deps.locks.run(`rankings:${job.name}`, LOCK_TTL_MS, async (): Promise<ExclusiveOutcome> => {
    if (opts.skipIfDone && (await deps.redis.exists(doneKey))) return { status: "done-already" };
    const summary = await job.run(ctx);
    await deps.redis.set(doneKey, new Date().toISOString(), "EX", DONE_TTL_S);
    return { status: "ran", summary };
  });
  return outcome.acquired ? outcome.value : { status: "locked" };
}
