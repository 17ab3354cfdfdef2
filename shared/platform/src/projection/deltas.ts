/** One statement of a run, sent later through ctx.send. */
export type Statement = () => Promise<unknown>;

/**
 * Relative changes to counters (`x = x + n`), summed per row over a run and written as one
 * statement per row, stamped with the last position that touched it: what the run's `+= n`
 * statements one by one leave. A row that gets another statement in the run (its INSERT, a status
 * change) has its pending change taken first, so each row still sees its statements in position
 * order (a change counted before its row existed then matches no row, as it did alone).
 */
export class Deltas {
  private readonly pending = new Map<string, { delta: number; position: number }>();

  constructor(private readonly write: (key: string, delta: number, position: number) => Promise<unknown>) {}

  add(key: string, delta: number, position: number): void {
    const d = this.pending.get(key);
    if (!d) this.pending.set(key, { delta, position });
    else {
      d.delta += delta;
      d.position = position;
    }
  }

  /** The pending changes of `keys` as statements, to send before the rows' next statement. */
  take(keys: readonly string[]): Statement[] {
    return keys.flatMap((key) => {
      const d = this.pending.get(key);
      if (!d) return [];
      this.pending.delete(key);
      return [() => this.write(key, d.delta, d.position)];
    });
  }

  /** Every pending change, sorted by key so that concurrent runs lock rows in the same order. */
  drain(): Statement[] {
    return this.take([...this.pending.keys()].sort());
  }
}
