import { PROJECTOR_CHECKPOINT } from "../db/checkpoints.js";
import { unavailable } from "../errors.js";
import { type Db } from "../db/database.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The projector checkpoint as this process last read it. However many requests ask or wait at
 * once, the row is read at most once per poll interval: they all share the read in flight. A
 * cached value is only ever too low, so it is always a safe "the read models include up to here".
 */
export class ProjectionPosition {
  private known = 0;
  private readAt = Number.NEGATIVE_INFINITY;
  private reading: Promise<number> | null = null;
  // readCheckpoint's statement, built and compiled once: under load it runs every poll interval,
  // and building it anew was a good part of its CPU.
  private readonly query;

  constructor(
    private readonly db: Db,
    private readonly pollMs: number,
  ) {
    this.query = db.selectFrom("projection_checkpoints").select("position").where("name", "=", PROJECTOR_CHECKPOINT).compile();
  }

  /** The position without waiting, while the last read is recent enough; undefined when it is not. */
  fresh(): number | undefined {
    return performance.now() - this.readAt < this.pollMs ? this.known : undefined;
  }

  current(): Promise<number> {
    const known = this.fresh();
    if (known !== undefined) return Promise.resolve(known);
    this.reading ??= this.read().finally(() => {
      this.reading = null;
    });
    return this.reading;
  }

  /** The position once it reaches `min`, or the last one seen when `timeoutMs` has passed. */
  async waitFor(min: number, timeoutMs: number): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const position = await this.current();
      const left = deadline - performance.now();
      if (position >= min || left <= 0) return position;
      await sleep(Math.min(this.pollMs, left));
    }
  }

  private async read(): Promise<number> {
    let position: number;
    try {
      const { rows } = await this.db.executeQuery(this.query);
      position = rows[0] ? Number(rows[0].position) : 0;
    } catch (err) {
      throw unavailable("The read models are not answering.", err);
    }
    this.known = Math.max(this.known, position);
    this.readAt = performance.now();
    return this.known;
  }
}
