/**
 * A progress bar on stderr for jobs run by hand. On a terminal it redraws one line (at most every
 * 50 ms); piped or in CI it prints a plain line per tenth instead, so logs stay readable.
 */
export class ProgressBar {
  private lastDraw = 0;
  private lastTenth = -1;
  private drawn = false;

  constructor(
    private readonly label: string,
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly width = 30,
  ) {}

  update(done: number, total: number): void {
    const ratio = total > 0 ? Math.min(1, done / total) : 1;
    if (this.out.isTTY) {
      const now = performance.now();
      if (done < total && now - this.lastDraw < 50) return;
      this.lastDraw = now;
      const filled = Math.round(ratio * this.width);
      this.out.write(`\r${this.label} [${"#".repeat(filled)}${"-".repeat(this.width - filled)}] ${done}/${total} ${Math.floor(ratio * 100)}%`);
      this.drawn = true;
      return;
    }
    const tenth = Math.floor(ratio * 10);
    if (tenth === this.lastTenth) return;
    this.lastTenth = tenth;
    this.out.write(`${this.label}: ${done}/${total} (${tenth * 10}%)\n`);
  }

  /** Ends the bar's line so what follows starts on a fresh one. */
  finish(): void {
    if (this.drawn) this.out.write("\n");
    this.drawn = false;
  }
}
