/**
 * Natural batching: when no flush runs, flush now; requests that arrive during a flush form the next
 * batch the moment it returns. No timer, so a lone request pays no wait and a crowd shares a commit.
 */
export interface BatchLimits {
  maxItems: number;
  maxBytes: number;
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
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly flush: FlushFn<T, R>,
    private readonly limits: BatchLimits,
    private readonly onBatch?: (size: number) => void,
  ) {}

  submit(item: T, bytes: number): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, bytes, resolve, reject });
      if (!this.flushing) this.flushing = this.drain();
    });
  }

  /** Resolves once everything queued so far has been flushed. */
  async idle(): Promise<void> {
    while (this.flushing) await this.flushing;
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

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.takeBatch();
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
    } finally {
      this.flushing = null;
    }
  }
}
