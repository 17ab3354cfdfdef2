import { sql, type Transaction } from "kysely";
import type { Db } from "./database.js";
import type { Database } from "./schema.js";

/**
 * A named lease in MySQL: at most one owner at a time, kept by renewing it before it expires. The
 * database clock decides expiry, so instances with skewed clocks still agree. Locally the lease
 * counts as held only until `ttl` after the renewal was *sent*, which ends before the row expires.
 */
export class Lease {
  private heldUntil = 0;
  private timer: NodeJS.Timeout | null = null;
  private renewing: Promise<boolean> | null = null;

  constructor(
    private readonly db: Db,
    readonly name: string,
    readonly owner: string,
    private readonly ttlMs: number,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  get held(): boolean {
    return performance.now() < this.heldUntil;
  }

  /** Takes the lease if it is free or expired, or extends it if it is ours. */
  acquire(): Promise<boolean> {
    this.renewing ??= this.tryAcquire()
      .catch((err: unknown) => {
        this.onError(err);
        return false;
      })
      .finally(() => {
        this.renewing = null;
      });
    return this.renewing;
  }

  /** Keeps trying to take the lease, and renews it while held, every ttl/3. */
  start(): void {
    if (this.timer) return;
    void this.acquire();
    this.timer = setInterval(() => void this.acquire(), Math.max(50, Math.floor(this.ttlMs / 3)));
  }

  /** Stops renewing and frees the lease at once, so a standby need not wait for it to expire. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.renewing;
    this.heldUntil = 0;
    await this.db
      .updateTable("leases")
      .set({ expires_at: sql`CURRENT_TIMESTAMP(3)` })
      .where("name", "=", this.name)
      .where("owner", "=", this.owner)
      .execute()
      .catch(this.onError);
  }

  /** Inside a transaction: true if the row still names us and has not expired; locks it until commit. */
  async holdsIn(trx: Transaction<Database>): Promise<boolean> {
    const row = await trx
      .selectFrom("leases")
      .select("owner")
      .where("name", "=", this.name)
      .where("owner", "=", this.owner)
      .where("expires_at", ">", sql<Date>`CURRENT_TIMESTAMP(3)`)
      .forUpdate()
      .executeTakeFirst();
    return row !== undefined;
  }

  private async tryAcquire(): Promise<boolean> {
    const sentAt = performance.now();
    await sql`INSERT IGNORE INTO leases (name, owner, expires_at) VALUES (${this.name}, '', CURRENT_TIMESTAMP(3))`.execute(this.db);
    const result = await this.db
      .updateTable("leases")
      .set({ owner: this.owner, expires_at: sql`CURRENT_TIMESTAMP(3) + INTERVAL ${this.ttlMs * 1000} MICROSECOND` })
      .where("name", "=", this.name)
      .where((eb) => eb.or([eb("owner", "=", this.owner), eb("expires_at", "<=", sql<Date>`CURRENT_TIMESTAMP(3)`)]))
      .executeTakeFirst();
    const ok = Number(result.numUpdatedRows) === 1;
    this.heldUntil = ok ? sentAt + this.ttlMs : 0;
    return ok;
  }
}
