import type { Db } from "@surge/platform/db/database";
import type { NodeChild } from "./child.js";
import { innodbFsyncs } from "./database.js";
import { metricSum, scrapeMetrics } from "./metrics.js";

/** Counters read before and after a window: command-api's append histogram and InnoDB's fsyncs. */
export interface GroupCommitStats {
  flushes: number;
  appends: number;
  fsyncs: number;
}

export async function groupCommitStats(db: Db, api: NodeChild): Promise<GroupCommitStats> {
  const text = await scrapeMetrics(api.url);
  return {
    flushes: metricSum(text, "eventstore_append_batch_size_count"),
    appends: metricSum(text, "eventstore_append_batch_size_sum"),
    fsyncs: await innodbFsyncs(db),
  };
}

export const diffStats = (a: GroupCommitStats, b: GroupCommitStats): GroupCommitStats => ({
  flushes: b.flushes - a.flushes,
  appends: b.appends - a.appends,
  fsyncs: b.fsyncs - a.fsyncs,
});

export function groupCommitLine(gc: GroupCommitStats, durationS: number): string {
  return (
    `- group commit over the claims window (+ drain): ${gc.flushes} transactions for ${gc.appends} appends ` +
    `(${(gc.appends / gc.flushes).toFixed(1)} per transaction, one every ${((durationS * 1000) / gc.flushes).toFixed(1)} ms); ` +
    `${(gc.fsyncs / durationS).toFixed(0)} InnoDB fsyncs/s server-wide`
  );
}
