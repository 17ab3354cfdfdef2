import { setTimeout as delay } from "node:timers/promises";

export interface WaitOptions {
  /** Gives up after this long (default 10 s). */
  timeoutMs?: number;
  /** Pause between probes (default 25 ms). */
  everyMs?: number;
  /** Called before each probe; throws to give up at once (a child process the probe needs has exited). */
  check?: () => void;
  /** More for the failure message, e.g. a child process's output. */
  detail?: () => string;
}

/**
 * Polls `probe` until it answers something truthy and returns that answer, or fails after the
 * timeout. Tests wait for what they need to have happened this way, never with a fixed sleep.
 * A number for `options` is the timeout.
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | null | undefined | false | Promise<T | null | undefined | false>,
  options: WaitOptions | number = {},
): Promise<T> {
  const { timeoutMs = 10_000, everyMs = 25, check, detail } = typeof options === "number" ? { timeoutMs: options } : options;
  const giveUpAt = Date.now() + timeoutMs;
  for (;;) {
    check?.();
    const value = await probe();
    if (value) return value;
    if (Date.now() > giveUpAt) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail ? `:\n${detail()}` : ""}`);
    await delay(everyMs);
  }
}

/** A real delay the test is about: returns once the clock has passed `instant` (a deadline, an expiry). */
export async function untilPast(instant: string | number | Date): Promise<void> {
  const at = typeof instant === "string" ? Date.parse(instant) : typeof instant === "number" ? instant : instant.getTime();
  while (Date.now() <= at) await delay(at - Date.now() + 1);
}
