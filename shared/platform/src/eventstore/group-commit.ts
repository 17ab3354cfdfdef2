/**
 * Natural batching: when no flush runs, flush now; requests that arrive during a flush form the next
 * batch the moment it returns. No timer, so a lone request pays no wait and a crowd shares a commit.
 */
export interface BatchLimits {
  maxItems: number;
  maxBytes: number;
  /**
   * Flushes in flight at once. Two let the next batch wait on the store's sequence lock inside the
   * database and start the moment the previous one commits, instead of after its answer travels back
   * through a busy event loop; order and gap safety come from the lock, not from this queue.
   */
  maxInFlight?: number;
}

export interface Queued<T, R> {
  item: T;
  bytes: number;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}

/** `flush` returns one outcome per item: a result or an Error for that item alone. */
export type FlushFn<T, R> = (items: T[]) => Promise<Array<R | Error>>;

export class GroupCommit<T, R> {
  private queue: Array<Queued<T, R>> = [];
  private readonly active = new Set<Promise<void>>();

  constructor(
    private readonly flush: FlushFn<T, R>,
    private readonly limits: BatchLimits,
    private readonly onBatch?: (size: number) => void,
  ) {}

  submit(item: T, bytes: number): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, bytes, resolve, reject });
      this.pump();
    });
  }

  /** Resolves once everything queued so far has been flushed. */
  async idle(): Promise<void> {
    while (this.active.size > 0) await Promise.all([...this.active]);
  }

  private pump(): void {
    while (this.queue.length > 0 && this.active.size < (this.limits.maxInFlight ?? 2)) {
      const run = this.run(this.takeBatch()).finally(() => {
        this.active.delete(run);
        this.pump();
      });
      this.active.add(run);
    }
  }

  private takeBatch(): Array<Queued<T, R>> {
    let bytes = 0;
    let n = 0;
    while (n < this.queue.length && n < this.limits.maxItems) {
      const next = this.queue[n]!;
      if (n > 0 && bytes + next.bytes > this.limits.maxBytes) break;
      bytes += next.bytes;
      n++;
    }
    return this.queue.splice(0, n);
  }

  private async run(batch: Array<Queued<T, R>>): Promise<void> {
    this.onBatch?.(batch.length);
    try {
      const outcomes = await this.flush(batch.map((q) => q.item));
      batch.forEach((q, i) => {
        const o = outcomes[i];
        if (o instanceof Error) q.reject(o);
        else q.resolve(o as R);
      });
    } catch (err) {
      for (const q of batch) q.reject(err);
    }
  }
}
