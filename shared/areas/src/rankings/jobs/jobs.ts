import { snapshotRankingsJob } from "./snapshot.js";
import type { RankingJob } from "./types.js";
import { verifyRollupsJob } from "./verify-rollups.js";

/** Every job the CLI can run by name; the nightly schedule runs them in this order (repair before snapshot). */
export const rankingJobs: readonly RankingJob[] = [verifyRollupsJob, snapshotRankingsJob];

export const findRankingJob = (name: string): RankingJob | undefined => rankingJobs.find((j) => j.name === name);
