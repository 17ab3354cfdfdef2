import { PollingLoop } from "../lifecycle.js";
import { type EventStore, type StoredEvent } from "../eventstore/types.js";
import { type Logger } from "pino";
import { backoffMs } from "../backoff.js";

export interface TailHandler {
  readonly name: string;
  /** Where the handler resumes: a checkpoint kept in MySQL, or 0 for in-memory state rebuilt at start. */
  start(): Promise<number>;
  /**
   * Handles the events after the handler's position, in position order. The position advances
   * only when this resolves; on a throw the same events come again later, so handlers are idempotent.
   * `caughtUp`: nothing more was in the log when these were read. A caught-up handler is called
   * on every poll, with no events when nothing is new, so it learns it has seen the whole log.
   */
  handle(events: StoredEvent[], caughtUp: boolean): Promise<void>;
}

export interface LogTailOptions {
  batchSize: number;
  idleMs: number;
}

interface Cursor {
  handler: TailHandler;
  /** null until start() answered. */
  position: number | null;
  failures: number;
  retryAt: number;
}

/**
 * One poller of the event store log for every batch handler: each read serves all handlers at or
 * after its start, and each handler keeps its own position and back-off, so a failing handler
 * (Redis away) neither stops the others nor loses its place. Positions become visible in order,
 * so polling after a position never skips an event.
 */
export class LogTail extends PollingLoop {
  private readonly cursors: Cursor[];
  private storeFailures = 0;

  constructor(
    private readonly store: EventStore,
    handlers: TailHandler[],
    private readonly options: LogTailOptions,
    private readonly logger: Logger,
    private readonly onError: (handler: string) => void = () => undefined,
  ) {
    super();
    this.cursors = handlers.map((handler) => ({ handler, position: null, failures: 0, retryAt: 0 }));
  }

  /** Position each handler has handled up to (for metrics and tests). */
  positions(): Record<string, number | null> {
    return Object.fromEntries(this.cursors.map((c) => [c.handler.name, c.position]));
  }

  protected async run(): Promise<void> {
    while (!this.stopping) {
      let more = false;
      try {
        more = await this.pass();
        this.storeFailures = 0;
      } catch (err) {
        this.storeFailures++;
        this.onError("store");
        this.logger.error({ err, failures: this.storeFailures }, "reading the event store failed; retrying");
        await this.sleep(backoffMs(this.storeFailures));
        continue;
      }
      if (!more) await this.sleep(this.options.idleMs);
    }
  }

  /**
   * One pass: reads from the lowest position among the handlers due, hands each its part, and
   * reads again for handlers that got nothing from a full batch (they are further ahead), so a
   * handler catching up never starves the others. True when a handler may have more waiting.
   */
  private async pass(): Promise<boolean> {
    const now = Date.now();
    let pending = this.cursors.filter((c) => c.retryAt <= now);
    for (const c of pending) {
      if (c.position !== null) continue;
      try {
        c.position = await c.handler.start();
      } catch (err) {
        this.failed(c, err);
      }
    }
    pending = pending.filter((c) => c.position !== null && c.retryAt <= now);
    let more = false;
    while (pending.length > 0 && !this.stopping) {
      const from = Math.min(...pending.map((c) => c.position!));
      const events = await this.store.readAll(from, this.options.batchSize);
      const full = events.length === this.options.batchSize;
      const next: Cursor[] = [];
      for (const c of pending) {
        const mine = events.filter((e) => e.position > c.position!);
        if (mine.length === 0 && full) {
          next.push(c);
          continue;
        }
        try {
          await c.handler.handle(mine, !full);
          c.position = mine.at(-1)?.position ?? c.position;
          c.failures = 0;
          more ||= full;
        } catch (err) {
          this.failed(c, err);
        }
      }
      pending = next;
    }
    return more;
  }

  private failed(c: Cursor, err: unknown): void {
    c.failures++;
    const retryMs = backoffMs(c.failures);
    c.retryAt = Date.now() + retryMs;
    this.onError(c.handler.name);
    this.logger.error({ err, handler: c.handler.name, position: c.position, failures: c.failures, retryMs }, "batch handler failed; retrying its events");
  }
}
