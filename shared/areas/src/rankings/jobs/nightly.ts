import type { Redis } from "ioredis";
import schedule from "node-schedule";
import { addDays, businessDate } from "../calendar.js";
import { type Db } from "@surge/platform/db/database";
import { type Logger } from "pino";
import { backoffMs, sleep } from "@surge/platform/backoff";
import type { RedisLocks } from "@surge/platform/redis/lock";
import { runExclusive } from "./exclusive.js";
import { rankingJobs } from "./jobs.js";
import type { RankingJob } from "./types.js";

export interface NightlyDeps {
  db: Db;
  locks: RedisLocks;
  redis: Redis;
  businessTz: string;
  logger: Logger;
  onOutcome?: (job: string, outcome: "ok" | "error" | "skipped") => void;
}

/** A failed night is tried again this many times (with back-off) before it waits for a manual run. */
const ATTEMPTS = 4;

/**
 * Runs the ranking jobs on cron schedules read in BUSINESS_TZ (node-schedule), each for the
 * business day that just ended. Every batch process schedules them; the lock and the done mark
 * in runExclusive make one of them do the work.
 */
export class NightlyRankings {
  private readonly scheduled: schedule.Job[] = [];
  private readonly running = new Set<Promise<void>>();
  private readonly stopping = new AbortController();

  constructor(
    private readonly deps: NightlyDeps,
    /** Cron expression per job name; a job without one is manual only. */
    private readonly crons: Readonly<Record<string, string>>,
  ) {}

  start(): void {
    for (const job of rankingJobs) {
      const rule = this.crons[job.name];
      if (!rule) continue;
      const scheduled = schedule.scheduleJob({ rule, tz: this.deps.businessTz }, () => this.track(this.fire(job)));
      if (!scheduled) throw new Error(`invalid cron expression for ${job.name}: ${rule}`);
      this.scheduled.push(scheduled);
    }
  }

  /** Cancels the schedules and waits for a run in progress. */
  async stop(): Promise<void> {
    this.stopping.abort();
    for (const s of this.scheduled) s.cancel();
    await Promise.all(this.running);
  }

  /** One night's run of `job` for yesterday (exposed for tests). */
  async fire(job: RankingJob, now = new Date()): Promise<void> {
    const date = addDays(businessDate(now, this.deps.businessTz), -1);
    const ctx = { db: this.deps.db, date, all: false, checkOnly: false, progress: () => undefined };
    for (let attempt = 1; !this.stopping.signal.aborted; attempt++) {
      try {
        const outcome = await runExclusive(this.deps, job, ctx, { skipIfDone: true });
        if (outcome.status === "ran") {
          const { summary } = outcome;
          // Repaired mismatches still mean something wrote wrong numbers: worth a warning.
          const level = summary.counts.mismatches ? "warn" : "info";
          this.deps.logger[level]({ job: job.name, date, ...summary.counts, details: summary.details.slice(0, 50) }, summary.headline);
          this.deps.onOutcome?.(job.name, "ok");
        } else {
          this.deps.logger.info({ job: job.name, date, reason: outcome.status }, "nightly job skipped: another batch process has it");
          this.deps.onOutcome?.(job.name, "skipped");
        }
        return;
      } catch (err) {
        this.deps.onOutcome?.(job.name, "error");
        this.deps.logger.error({ err, job: job.name, date, attempt }, "nightly job failed");
        if (attempt >= ATTEMPTS) return;
        await sleep(backoffMs(attempt, 5_000, 60_000), this.stopping.signal);
      }
    }
  }

  private track(run: Promise<void>): void {
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
  }
}

/** The schedule from the env; "off" leaves a job to manual runs. */
export function rankingCrons(env: { RANKINGS_VERIFY_CRON: string; RANKINGS_SNAPSHOT_CRON: string }): Record<string, string> {
  const crons: Record<string, string> = { "verify-rollups": env.RANKINGS_VERIFY_CRON, "snapshot-rankings": env.RANKINGS_SNAPSHOT_CRON };
  return Object.fromEntries(Object.entries(crons).filter(([, rule]) => rule.trim().toLowerCase() !== "off"));
}
