import type { Logger } from "pino";
import { ConfigError } from "./config.js";
import { PreflightError } from "./preflight.js";

/**
 * Runs a process's composition root and wires its graceful stop. A start that fails on bad
 * configuration or an absent dependency prints its one line (no stack: it would bury the line
 * telling the operator what to do) and exits 1.
 */
export async function runMain(start: () => Promise<{ logger: Logger; stop: () => Promise<void> }>): Promise<void> {
  try {
    const app = await start();
    onShutdown(app.logger, app.stop);
  } catch (err) {
    console.error(err instanceof ConfigError || err instanceof PreflightError ? err.message : err);
    process.exit(1);
  }
}

/**
 * Runs stop hooks in reverse start order on SIGINT/SIGTERM, once, so every composition root
 * drains servers before closing the pools they use.
 */
export function onShutdown(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "stopping");
    const force = setTimeout(() => {
      logger.error("graceful stop took too long; exiting");
      process.exit(1);
    }, 10_000);
    force.unref();
    stop()
      .then(() => {
        logger.info("stopped");
        process.exit(0);
      })
      .catch((err: unknown) => {
        logger.error({ err }, "stop failed");
        process.exit(1);
      });
  };
  process.once("SIGINT", () => handler("SIGINT"));
  process.once("SIGTERM", () => handler("SIGTERM"));
}

export class Stack {
  private readonly stops: Array<() => Promise<void>> = [];
  add(stop: () => Promise<void>): void {
    this.stops.push(stop);
  }
  async stop(): Promise<void> {
    for (const s of this.stops.reverse()) await s();
  }
}

/**
 * A background loop that stop() ends cleanly: it lets the current turn finish and cuts short any
 * sleep, so a poller stops at once instead of after its idle or back-off delay.
 */
export abstract class PollingLoop {
  private running: Promise<void> | null = null;
  protected stopping = false;
  private wake: (() => void) | null = null;

  start(): void {
    this.running ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.running;
  }

  protected abstract run(): Promise<void>;

  protected sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopping) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
