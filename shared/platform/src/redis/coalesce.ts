/**
 * Collects calls made in one turn of the event loop and runs them as one call per key. A group
 * commit resolves dozens of appends at once; their follow-up Redis writes become one command.
 */
export class Coalescer {
  private pending = new Map<string, { ids: string[]; done: Array<{ resolve: () => void; reject: (err: unknown) => void }> }>();
  private scheduled = false;

  constructor(private readonly run: (key: string, ids: string[]) => Promise<unknown>) {}

  add(key: string, id: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const entry = this.pending.get(key) ?? { ids: [], done: [] };
      entry.ids.push(id);
      entry.done.push({ resolve, reject });
      this.pending.set(key, entry);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const batches = this.pending;
    this.pending = new Map();
    this.scheduled = false;
    for (const [key, { ids, done }] of batches) {
      this.run(key, ids).then(
        () => done.forEach((d) => d.resolve()),
        (err: unknown) => done.forEach((d) => d.reject(err)),
      );
    }
  }
}
