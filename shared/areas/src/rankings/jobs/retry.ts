/** MySQL/MariaDB error numbers a transaction may simply run again after. */
const RETRYABLE = new Set([1213 /* deadlock */, 1205 /* lock wait timeout */]);

const isRetryable = (err: unknown) => typeof err === "object" && err !== null && RETRYABLE.has(Number((err as { errno?: unknown }).errno));

/**
 * Runs a transaction again when the database chose it as a deadlock victim. The roll-up check
 * locks rows the projector updates at the same time; either side may lose and retry.
 */
export async function withDeadlockRetry<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= attempts || !isRetryable(err)) throw err;
      await new Promise((r) => setTimeout(r, 20 * i + Math.random() * 30));
    }
  }
}
