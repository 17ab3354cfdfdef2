import { describe, expect, it } from "vitest";
import type { StoredEvent } from "@surge/platform/eventstore/types";
import { PartitionMerge } from "./partition-merge.js";

const A = { topic: "surge.coupon.events", partition: 0 };
const B = { topic: "surge.claim.events", partition: 0 };
const C = { topic: "surge.order.events", partition: 1 };

const ev = (position: number): StoredEvent => ({
  position,
  eventId: `00000000-0000-0000-0000-${String(position).padStart(12, "0")}`,
  streamId: `s-${position}`,
  version: 1,
  type: "T",
  data: {},
  metadata: { correlationId: "c", causationId: null, userId: null, occurredAt: new Date(0).toISOString() },
  tag: null,
  occurredAt: new Date(0),
});

/** Feeds records to a partition, offsets counting on from what it was given before. */
function feeder(merge: PartitionMerge) {
  const next = new Map<string, number>();
  return (tp: typeof A, ...records: Array<number | `w${number}`>) => {
    const key = `${tp.topic}/${tp.partition}`;
    for (const r of records) {
      const offset = next.get(key) ?? 0;
      next.set(key, offset + 1);
      merge.add(tp, String(offset), typeof r === "number" ? { kind: "event", event: ev(r) } : { kind: "watermark", position: Number(r.slice(1)) });
    }
  };
}
const positions = (merge: PartitionMerge, limit = 100) => merge.ready(limit).map((r) => r.event.position);

describe("merging partitions by watermark", () => {
  it("releases events only once every partition vouches for them, in global position order", () => {
    const merge = new PartitionMerge([A, B, C], 0);
    const feed = feeder(merge);
    feed(A, 1, 4, "w5");
    feed(B, 2, 5, "w5");
    expect(merge.safe()).toBe(0);
    expect(positions(merge)).toEqual([]);
    // C had no event in the batch: its watermark alone completes the picture.
    feed(C, "w5");
    expect(merge.safe()).toBe(5);
    expect(positions(merge)).toEqual([1, 2, 4, 5]);
    feed(C, 3);
    // 3 arrived after C's watermark 5: a relay invariant violation would show here; the merge
    // releases it anyway (3 ≤ safe) so nothing is ever dropped.
    expect(positions(merge)).toEqual([1, 2, 3, 4, 5]);
  });

  it("takes the lowest positions first when limited, so applying them is a valid checkpoint", () => {
    const merge = new PartitionMerge([A, B], 0);
    const feed = feeder(merge);
    feed(A, 1, 3, 5, "w6");
    feed(B, 2, 4, 6, "w6");
    expect(positions(merge, 3)).toEqual([1, 2, 3]);
    merge.markApplied(3);
    expect(positions(merge, 3)).toEqual([4, 5, 6]);
  });

  it("hands out each event once although partitions repeat it (relay retried), and skips applied ones", () => {
    const merge = new PartitionMerge([A, B], 2);
    const feed = feeder(merge);
    feed(A, 1, 2, 3, "w3", 3, "w3", 4, "w4");
    feed(B, "w4");
    expect(positions(merge)).toEqual([3, 4]);
  });

  it("commits past records that need nothing more, but keeps a watermark above what is applied", () => {
    const merge = new PartitionMerge([A, B], 0);
    const feed = feeder(merge);
    feed(A, 1, "w2", 3, "w3");
    feed(B, 2, "w2");
    expect(positions(merge)).toEqual([1, 2]);
    merge.markApplied(2);
    // A: 1, w2 done; 3 waits for B. B: 2, w2 done.
    expect(merge.commits()).toEqual([
      { ...A, offset: "2" },
      { ...B, offset: "2" },
    ]);
    expect(merge.commits()).toEqual([]);
    feed(B, "w3");
    expect(positions(merge)).toEqual([3]);
    merge.markApplied(3);
    expect(merge.commits()).toEqual([
      { ...A, offset: "4" },
      { ...B, offset: "3" },
    ]);
  });

  it("starts every partition at the checkpoint, so a quiet partition does not hold a restart back", () => {
    const merge = new PartitionMerge([A, B], 10);
    const feed = feeder(merge);
    expect(merge.safe()).toBe(10);
    feed(A, 11, "w11");
    expect(positions(merge)).toEqual([]);
    feed(B, "w11");
    expect(positions(merge)).toEqual([11]);
  });

  it("never lets an older watermark (a relay restarted from its checkpoint) lower a partition's", () => {
    const merge = new PartitionMerge([A], 0);
    const feed = feeder(merge);
    feed(A, 1, 2, "w2", 1, 2, "w1");
    expect(merge.safe()).toBe(2);
  });

  it("holds a record fetched twice once", () => {
    const merge = new PartitionMerge([A], 0);
    merge.add(A, "0", { kind: "event", event: ev(1) });
    merge.add(A, "0", { kind: "event", event: ev(1) });
    merge.add(A, "1", { kind: "watermark", position: 1 });
    expect(merge.held(A)).toBe(2);
  });

  it("counts what every partition holds until it is committed past, for reading ahead", () => {
    const merge = new PartitionMerge([A, B], 0);
    const feed = feeder(merge);
    feed(A, 1, "w2", 3);
    feed(B, 2, "w2");
    expect(merge.pending()).toBe(5);
    merge.markApplied(2);
    merge.commits();
    expect(merge.pending()).toBe(1);
  });

  it("steps past dead-lettered records like any other finished record", () => {
    const merge = new PartitionMerge([A], 0);
    merge.add(A, "0", { kind: "done" });
    merge.add(A, "1", { kind: "event", event: ev(1) });
    merge.add(A, "2", { kind: "watermark", position: 1 });
    merge.markApplied(1);
    expect(merge.commits()).toEqual([{ ...A, offset: "3" }]);
  });
});
