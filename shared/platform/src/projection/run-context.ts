import type { StoredEvent } from "../eventstore/types.js";

/**
 * What the projections of one batch run share: statements sent one at a time, and whatever rows
 * several of them read before writing (loaded once per run, under a key the area chooses).
 */
export class RunContext {
  private readonly loads = new Map<string, Promise<unknown>>();
  private queue: Promise<unknown> = Promise.resolve();
  /** The first statement failure of the run: nothing more is sent after it. */
  failure: unknown = undefined;

  constructor(readonly events: readonly StoredEvent[]) {}

  /**
   * Loads a snapshot once per run. Whichever projection asks first loads it, and it reads the same
   * for all because the projection that owns those rows loads it before it writes them, so
   * projection order does not matter.
   */
  once<T>(key: string, load: () => Promise<T>): Promise<T> {
    let loaded = this.loads.get(key);
    if (!loaded) this.loads.set(key, (loaded = load()));
    return loaded as Promise<T>;
  }

  /**
   * Sends one statement of a projection. The projections of a run execute side by side (one folds
   * while the server runs another's statement), but their statements go one at a time and none
   * after a failure: a deadlock ends the transaction, and a statement sent after it would commit
   * on its own.
   */
  send<T>(statement: () => Promise<T>): Promise<T> {
    const next = this.queue.then(() => {
      if (this.failure !== undefined) throw new Error("batch run aborted by an earlier statement's failure");
      return statement();
    });
    this.queue = next.catch((err: unknown) => {
      this.failure ??= err;
    });
    return next;
  }
}
