import type { DecodedRecord } from "@surge/platform/kafka/codec";
import type { StoredEvent } from "@surge/platform/eventstore/types";

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** An event ready to apply, with where it was read (for the dead-letter record). */
export interface ReadyEvent {
  event: StoredEvent;
  source: string;
}

/** A record kept until it needs nothing more; "done" ones (dead-lettered garbage) only hold an offset. */
type Held = { offset: bigint } & ({ kind: "event"; event: StoredEvent } | { kind: "watermark"; position: number } | { kind: "done" });

interface PartitionState extends TopicPartition {
  /** Records past the last committed offset, in offset order. */
  held: Held[];
  /** The highest watermark read: every event ≤ it that this partition will hold has been read. */
  watermark: number;
  /** The offset committed last (the next one to read after a restart). */
  committed: bigint | null;
  /** The highest offset added: a record fetched twice is held once. */
  last: bigint;
}

export interface OffsetCommit extends TopicPartition {
  offset: string;
}

const keyOf = (tp: TopicPartition) => `${tp.topic}/${tp.partition}`;

/**
 * Merges the assigned partitions back into the store's global order. Kafka orders records only
 * within a partition; the relay's watermarks say up to where a partition is complete. Once every
 * partition has shown a watermark ≥ P, every event ≤ P has been read, so those events can be
 * applied in position order, exactly as the embedded projector applies them. That keeps
 * cross-stream dependencies (a claim's reservation after its issue, an order after its sale) in
 * order, and it makes the applied position a true checkpoint for read-your-writes.
 *
 * `applied` starts at the committed checkpoint: every event at or below it is in the read models,
 * so it is also a valid starting watermark for every partition.
 */
export class PartitionMerge {
  private readonly partitions = new Map<string, PartitionState>();

  constructor(
    assignment: readonly TopicPartition[],
    private appliedUpTo: number,
  ) {
    for (const tp of assignment) this.partitions.set(keyOf(tp), { ...tp, held: [], watermark: appliedUpTo, committed: null, last: -1n });
  }

  /** Every event at or below this is in the read models. */
  get applied(): number {
    return this.appliedUpTo;
  }

  add(tp: TopicPartition, offset: string, record: DecodedRecord | { kind: "done" }): void {
    const state = this.partitions.get(keyOf(tp));
    if (!state) throw new Error(`a record of ${keyOf(tp)}, which is not assigned here`);
    const at = BigInt(offset);
    if (at <= state.last) return;
    state.last = at;
    if (record.kind === "invalid") throw new Error("dead-letter an invalid record before adding it as done");
    if (record.kind === "watermark") {
      // A relay that restarted from an older checkpoint sends older watermarks again: keep the highest.
      state.watermark = Math.max(state.watermark, record.position);
      state.held.push({ offset: at, kind: "watermark", position: record.position });
    } else if (record.kind === "event") {
      state.held.push({ offset: at, kind: "event", event: record.event });
    } else {
      state.held.push({ offset: at, kind: "done" });
    }
  }

  /** The safe position: every event at or below it has been read from every partition. */
  safe(): number {
    let min = Number.POSITIVE_INFINITY;
    for (const s of this.partitions.values()) min = Math.min(min, s.watermark);
    return Number.isFinite(min) ? min : this.appliedUpTo;
  }

  /**
   * Up to `limit` unapplied events at or below the safe position, lowest positions first, each event
   * once (a partition may hold duplicates from relay retries). Taking the lowest keeps the rule that
   * after applying them, every event up to the last one's position is applied.
   */
  ready(limit: number): ReadyEvent[] {
    const safe = this.safe();
    const byId = new Map<string, ReadyEvent>();
    for (const s of this.partitions.values()) {
      for (const h of s.held) {
        if (h.kind !== "event" || h.event.position <= this.appliedUpTo || h.event.position > safe || byId.has(h.event.eventId)) continue;
        byId.set(h.event.eventId, { event: h.event, source: `${s.topic}/${s.partition}@${h.offset}` });
      }
    }
    return [...byId.values()].sort((a, b) => a.event.position - b.event.position).slice(0, limit);
  }

  /** Records that every event up to `position` is in the read models (committed). */
  markApplied(position: number): void {
    this.appliedUpTo = Math.max(this.appliedUpTo, position);
  }

  /**
   * For each partition, drops the leading records that need nothing more (events and watermarks at
   * or below the applied position, dead-lettered garbage) and returns the offset after them where
   * it moved. A watermark above the applied position is kept: after a restart it must be read again,
   * or a partition that has gone quiet could never vouch for it.
   */
  commits(): OffsetCommit[] {
    const out: OffsetCommit[] = [];
    for (const s of this.partitions.values()) {
      let n = 0;
      while (n < s.held.length && this.isDone(s.held[n]!)) n++;
      if (n === 0) continue;
      const next = s.held[n - 1]!.offset + 1n;
      s.held.splice(0, n);
      if (s.committed === null || next > s.committed) {
        s.committed = next;
        out.push({ topic: s.topic, partition: s.partition, offset: next.toString() });
      }
    }
    return out;
  }

  /** Records held for a partition (flow control pauses a partition that runs far ahead). */
  held(tp: TopicPartition): number {
    return this.partitions.get(keyOf(tp))?.held.length ?? 0;
  }

  /** Records held over all partitions: read, and not yet committed past. */
  pending(): number {
    let n = 0;
    for (const s of this.partitions.values()) n += s.held.length;
    return n;
  }

  /** Partitions whose watermark is the lowest: pausing them would stop the safe position for good. */
  holdsBack(tp: TopicPartition, safe = this.safe()): boolean {
    return (this.partitions.get(keyOf(tp))?.watermark ?? Number.POSITIVE_INFINITY) <= safe;
  }

  private isDone(h: Held): boolean {
    if (h.kind === "done") return true;
    if (h.kind === "watermark") return h.position <= this.appliedUpTo;
    return h.event.position <= this.appliedUpTo;
  }
}
