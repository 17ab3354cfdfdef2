/**
 * Undo steps run newest first, each one even when an earlier one failed, and only once: a bench
 * interrupted half-way must still stop its children and drop its database.
 */
export class Cleanup {
  private readonly steps: Array<() => Promise<unknown>> = [];
  private running: Promise<void> | null = null;

  add(step: () => Promise<unknown>): void {
    this.steps.push(step);
  }

  run(): Promise<void> {
    this.running ??= (async () => {
      for (const step of this.steps.reverse()) {
        try {
          await step();
        } catch (err) {
          console.error("bench cleanup step failed:", err);
        }
      }
    })();
    return this.running;
  }
}
