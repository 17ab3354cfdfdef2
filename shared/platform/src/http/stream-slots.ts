import type { Context } from "hono";
import { rateLimited } from "./rate-limit.js";

export interface StreamLimits {
  /** Streams one client address may hold open at once. */
  perClient: number;
  /** Streams this process holds open at once. */
  total: number;
}

/** How long a refused client is told to wait: a slot frees only when some stream ends. */
const RETRY_AFTER_MS = 5_000;

/**
 * Long-lived responses (live streams) counted per client address and in total. Each holds a
 * socket and timers for as long as the client likes, so unlike a request they are capped by
 * number, not by rate. The counts are this process's own: a process that dies takes its streams
 * and their slots with it, which a shared counter would have to be told about.
 */
export class StreamSlots {
  private readonly perClient = new Map<string, number>();
  private total = 0;

  constructor(
    private readonly limits: StreamLimits,
    private readonly clientOf: (c: Context) => string,
  ) {}

  /** Holds a slot for this request's client, or throws 429 RATE_LIMITED; the answer frees it (once). */
  take(c: Context): () => void {
    const client = this.clientOf(c);
    const held = this.perClient.get(client) ?? 0;
    if (held >= this.limits.perClient)
      throw rateLimited(RETRY_AFTER_MS, `At most ${this.limits.perClient} live streams per client are open at once; close one first.`);
    if (this.total >= this.limits.total) throw rateLimited(RETRY_AFTER_MS, "Too many live streams are open; try again shortly.");
    this.perClient.set(client, held + 1);
    this.total++;
    let freed = false;
    return () => {
      if (freed) return;
      freed = true;
      this.total--;
      const left = (this.perClient.get(client) ?? 1) - 1;
      if (left === 0) this.perClient.delete(client);
      else this.perClient.set(client, left);
    };
  }
}
