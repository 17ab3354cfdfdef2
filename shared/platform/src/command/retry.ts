import { ConcurrencyError } from "../errors.js";

/**
 * Re-runs a load-decide-append command when another writer got to the stream first. The second
 * run decides on the new state, which is what makes "open twice" produce one EventOpened.
 */
export async function retryOnConflict<T>(run: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await run();
    } catch (err) {
      if (!(err instanceof ConcurrencyError) || i >= attempts) throw err;
    }
  }
}
