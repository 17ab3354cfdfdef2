import { Gauge } from "prom-client";
import type { Logger } from "pino";
import type { Metrics } from "@surge/platform/http/metrics";
import type { LiveState } from "./live-state.js";

export interface LiveSubscriber {
  onState: (state: LiveState) => void;
  /** The hub is stopping: end the stream. */
  onClose: () => void;
}

interface Feed {
  subscribers: Set<LiveSubscriber>;
  timer: NodeJS.Timeout | null;
}

/**
 * One poll loop per watched event per process, fanned out to every subscriber: a thousand
 * viewers of one sale cost the database the same few queries every `pollMs` as one viewer.
 * A feed stops polling when its last subscriber leaves.
 */
export class LiveHub {
  private readonly feeds = new Map<string, Feed>();
  private readonly gauge: Gauge;
  private stopped = false;

  constructor(
    private readonly read: (eventId: string) => Promise<LiveState | null>,
    private readonly pollMs: number,
    private readonly logger: Logger,
    metrics: Metrics,
  ) {
    this.gauge = new Gauge({ name: "live_stream_subscribers", help: "Open /events/{id}/live streams", registers: [metrics.registry] });
  }

  subscribe(eventId: string, subscriber: LiveSubscriber): () => void {
    if (this.stopped) {
      subscriber.onClose();
      return () => undefined;
    }
    let feed = this.feeds.get(eventId);
    if (!feed) {
      feed = { subscribers: new Set(), timer: null };
      this.feeds.set(eventId, feed);
      this.schedule(eventId, feed, 0);
    }
    feed.subscribers.add(subscriber);
    this.gauge.inc();
    const own = feed;
    return () => {
      if (!own.subscribers.delete(subscriber)) return;
      this.gauge.dec();
      if (own.subscribers.size === 0) this.end(eventId, own);
    };
  }

  /** Ends every stream (process shutdown), so the server is not held open by them. */
  stop(): void {
    this.stopped = true;
    for (const [eventId, feed] of this.feeds) {
      for (const s of [...feed.subscribers]) s.onClose();
      this.end(eventId, feed);
    }
  }

  private end(eventId: string, feed: Feed): void {
    if (feed.timer) clearTimeout(feed.timer);
    feed.timer = null;
    if (this.feeds.get(eventId) === feed) this.feeds.delete(eventId);
  }

  private schedule(eventId: string, feed: Feed, delayMs: number): void {
    feed.timer = setTimeout(() => void this.tick(eventId, feed), delayMs);
  }

  private async tick(eventId: string, feed: Feed): Promise<void> {
    try {
      const state = await this.read(eventId);
      if (state) for (const s of feed.subscribers) s.onState(state);
    } catch (err) {
      // A failed poll is retried on the next tick; the streams stay open meanwhile.
      this.logger.warn({ err, eventId }, "live poll failed");
    }
    if (this.feeds.get(eventId) === feed && feed.subscribers.size > 0) this.schedule(eventId, feed, this.pollMs);
  }
}
