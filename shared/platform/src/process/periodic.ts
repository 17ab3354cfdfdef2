import type { Logger } from "pino";
import { backoffMs } from "../backoff.js";

export interface PeriodicOptions {
  intervalMs: number;
  onOutcome?: (outcome: "ok" | "error") => void;
}

/**
 * Runs a job every interval, never two runs of it at once. A failing run is logged and retried
 * with a growing delay; it never takes the process down. stop() waits for the run in progress.
 */
export class Periodic {
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<void> | null = null;
  private failures = 0;
  private stopped = false;

  constructor(
    private readonly name: string,
    private readonly job: () => Promise<void>,
    private readonly options: PeriodicOptions,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.schedule(this.options.intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.current;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.current = this.runOnce().finally(() => (this.current = null));
    }, delayMs);
  }

  private async runOnce(): Promise<void> {
    try {
      await this.job();
      this.failures = 0;
      this.options.onOutcome?.("ok");
      this.schedule(this.options.intervalMs);
    } catch (err) {
      this.failures++;
      this.options.onOutcome?.("error");
      // Capped at 5 s for frequent jobs: order expiry promises 5 s, and its retry costs one Redis call.
      const retryMs = Math.min(backoffMs(this.failures), Math.max(this.options.intervalMs, 5000));
      this.logger.error({ err, job: this.name, failures: this.failures, retryMs }, "batch job failed; retrying");
      this.schedule(retryMs);
    }
  }
}
