import { Gauge } from "prom-client";
import type { Logger } from "pino";
import type { Metrics } from "../http/metrics.js";

export interface LiveSubscriber<S> {
  onState: (state: S) => void;
  /** The hub is stopping: end the stream. */
  onClose: () => void;
}

interface Feed<S> {
  subscribers: Set<LiveSubscriber<S>>;
  timer: NodeJS.Timeout | null;
}

export interface LiveHubOptions<S> {
  /** The watched thing's current state, or null when it does not exist (nothing is sent). */
  read: (key: string) => Promise<S | null>;
  pollMs: number;
  logger: Logger;
  metrics: Metrics;
  /** The gauge of open subscriptions, one per hub. */
  gauge: { name: string; help: string };
}

/**
 * One poll loop per watched key per process, fanned out to every subscriber: a thousand viewers
 * of one drop cost the database the same few queries every `pollMs` as one viewer. A feed stops
 * polling when its last subscriber leaves.
 */
export class LiveHub<S> {
  private readonly feeds = new Map<string, Feed<S>>();
  private readonly gauge: Gauge;
  private readonly read: (key: string) => Promise<S | null>;
  private readonly pollMs: number;
  private readonly logger: Logger;
  private stopped = false;

  constructor(opts: LiveHubOptions<S>) {
    this.read = opts.read;
    this.pollMs = opts.pollMs;
    this.logger = opts.logger;
    this.gauge = new Gauge({ ...opts.gauge, registers: [opts.metrics.registry] });
  }

  subscribe(key: string, subscriber: LiveSubscriber<S>): () => void {
    if (this.stopped) {
      subscriber.onClose();
      return () => undefined;
    }
    let feed = this.feeds.get(key);
    if (!feed) {
      feed = { subscribers: new Set(), timer: null };
      this.feeds.set(key, feed);
      this.schedule(key, feed, 0);
    }
    feed.subscribers.add(subscriber);
    this.gauge.inc();
    const own = feed;
    return () => {
      if (!own.subscribers.delete(subscriber)) return;
      this.gauge.dec();
      if (own.subscribers.size === 0) this.end(key, own);
    };
  }

  /** Ends every stream (process shutdown), so the server is not held open by them. */
  stop(): void {
    this.stopped = true;
    for (const [key, feed] of this.feeds) {
      for (const s of [...feed.subscribers]) s.onClose();
      this.end(key, feed);
    }
  }

  private end(key: string, feed: Feed<S>): void {
    if (feed.timer) clearTimeout(feed.timer);
    feed.timer = null;
    if (this.feeds.get(key) === feed) this.feeds.delete(key);
  }

  private schedule(key: string, feed: Feed<S>, delayMs: number): void {
    feed.timer = setTimeout(() => void this.tick(key, feed), delayMs);
  }

  private async tick(key: string, feed: Feed<S>): Promise<void> {
    try {
      const state = await this.read(key);
      if (state) for (const s of feed.subscribers) s.onState(state);
    } catch (err) {
      // A failed poll is retried on the next tick; the streams stay open meanwhile.
      this.logger.warn({ err, key }, "live poll failed");
    }
    if (this.feeds.get(key) === feed && feed.subscribers.size > 0) this.schedule(key, feed, this.pollMs);
  }
}
