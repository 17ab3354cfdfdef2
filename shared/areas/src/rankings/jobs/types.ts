import type { Db } from "@surge/platform/db/database";

/** What a job reports while it runs: units done out of a total (the CLI draws a bar from it). */
export type Progress = (done: number, total: number) => void;

export interface JobContext {
  db: Db;
  /** The business date the run is about (nightly: yesterday in BUSINESS_TZ). */
  date: string;
  /** verify-rollups only: check every period that has rows, not only those holding `date`. */
  all: boolean;
  /** verify-rollups only: report, do not repair. */
  checkOnly: boolean;
  progress: Progress;
}

export interface JobSummary {
  /** False when the run found something a person should look at (mismatches left unrepaired). */
  ok: boolean;
  /** One line for the log and the CLI. */
  headline: string;
  /** Detail lines (each mismatch, each list taken). */
  details: string[];
  /** Numbers for the structured log. */
  counts: Record<string, number>;
}

/** A job that can run nightly and by hand; every run is idempotent, so re-running is always safe. */
export interface RankingJob {
  readonly name: string;
  readonly description: string;
  run(ctx: JobContext): Promise<JobSummary>;
}
