import { type Db } from "../db/database.js";
import { unavailable } from "../errors.js";

/**
 * The event store's head (the last position appended), to tell a position that will be projected
 * from one that does not exist. Positions only grow, so the highest head seen stays a safe "this
 * was appended" for good; only a position above it costs a read, and that read must see every
 * append committed before the request asked (read-your-writes right after a command), so it never
 * joins a read already in flight: it shares the next one with everyone else who asked meanwhile.
 */
export class StoreHead {
  private known = 0;
  private inFlight: Promise<number> | null = null;
  private following: Promise<number> | null = null;
  private readonly query;

  constructor(private readonly db: Db) {
    this.query = db.selectFrom("event_sequence").select("last_position").where("id", "=", 1).compile();
  }

  /** Whether `position` has been appended (is at or below the head). */
  async covers(position: number): Promise<boolean> {
    if (position <= this.known) return true;
    return position <= (await this.fresh());
  }

  /** A head read that starts after this call. */
  private fresh(): Promise<number> {
    if (!this.inFlight) return this.begin();
    this.following ??= this.inFlight.then(
      () => this.begin(),
      () => this.begin(),
    );
    return this.following;
  }

  private begin(): Promise<number> {
    this.following = null;
    const reading = this.read().finally(() => {
      if (this.inFlight === reading) this.inFlight = null;
    });
    this.inFlight = reading;
    return reading;
  }

  private async read(): Promise<number> {
    let head: number;
    try {
      const { rows } = await this.db.executeQuery(this.query);
      head = rows[0] ? Number(rows[0].last_position) : 0;
    } catch (err) {
      throw unavailable("The event store is not answering.", err);
    }
    this.known = Math.max(this.known, head);
    return head;
  }
}
