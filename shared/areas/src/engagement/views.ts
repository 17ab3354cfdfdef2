import type { Redis } from "ioredis";
import { newEvent } from "@surge/platform/events/new-event";
import type { Logger } from "pino";
import type { EventStore, StreamAppend } from "@surge/platform/eventstore/types";
import { systemContext, metadataFor } from "@surge/platform/command/context";
import { ProductViewsCounted, viewsStream } from "./events.js";

export interface ViewOptions {
  /** VIEW_DEDUP_S: a user's views of one product count once per this many seconds. */
  dedupS: number;
  /** VIEW_FLUSH_MS: how often the counted views are appended. */
  flushMs: number;
  /** Told of every view: whether it counted (a metric's feed). */
  onView?: (counted: boolean) => void;
}

const MINUTE_MS = 60_000;

/**
 * Counts product views without a database write per view. Deduplication is one Redis SET NX with
 * the window as its expiry; a view that counts is added to an in-memory tally per product and
 * minute, and every `flushMs` the tallies go to the store in one atomic append (one
 * ProductViewsCounted per product and minute). A failed append keeps the tallies for the next
 * flush; stop() flushes what is left. What a crash loses is at most one flush interval of views
 * of this process: the price of not writing each one.
 */
export class ViewRecorder {
  private pending = new Map<string, Map<number, number>>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly store: EventStore,
    private readonly options: ViewOptions,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.options.flushMs);
  }

  /** Whether this view counts: the user's first view of the product in the window. */
  async record(productId: string, userId: string, now: Date): Promise<boolean> {
    const first = await this.redis.set(`view:{${productId}}:${userId}`, "1", "EX", this.options.dedupS, "NX");
    this.options.onView?.(first === "OK");
    if (first !== "OK") return false;
    const minute = Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS;
    let byMinute = this.pending.get(productId);
    if (!byMinute) this.pending.set(productId, (byMinute = new Map()));
    byMinute.set(minute, (byMinute.get(minute) ?? 0) + 1);
    return true;
  }

  /** Appends the tallies counted so far; one flush at a time. */
  flush(): Promise<void> {
    this.flushing ??= this.write().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flushing;
    await this.flush();
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const metadata = metadataFor(systemContext("views"));
    const parts: StreamAppend[] = [...batch].map(([productId, byMinute]) => ({
      streamId: viewsStream(productId),
      expected: "any",
      events: [...byMinute].map(([minute, views]) => newEvent(ProductViewsCounted, { productId, views, minute: new Date(minute).toISOString() }, { metadata })),
    }));
    try {
      await this.store.appendMulti(parts);
    } catch (err) {
      // Kept for the next flush, added to whatever was counted meanwhile.
      for (const [productId, byMinute] of batch) {
        const now = this.pending.get(productId) ?? new Map<number, number>();
        for (const [minute, views] of byMinute) now.set(minute, (now.get(minute) ?? 0) + views);
        this.pending.set(productId, now);
      }
      this.logger.warn({ err, products: batch.size }, "view counts could not be appended; retrying on the next flush");
    }
  }
}
