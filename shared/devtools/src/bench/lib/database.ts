import { createDb, dropDatabase, ensureDatabase, type Db } from "@surge/platform/db/database";
import { migrateToLatest } from "@surge/areas/migrations/index";
import { sql } from "kysely";
import { performance } from "node:perf_hooks";

/** The bench's own database: dropped first so a crashed earlier run leaves no rows behind. */
export async function freshDatabase(url: string): Promise<Db> {
  await dropDatabase(url);
  await ensureDatabase(url);
  const db = createDb({ url, poolSize: 2 });
  await migrateToLatest(db);
  return db;
}

export async function countEvents(db: Db, streamId: string, type: string): Promise<number> {
  const row = await db
    .selectFrom("events")
    .select((eb) => eb.fn.countAll<string | number>().as("n"))
    .where("stream_id", "=", streamId)
    .where("type", "=", type)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export interface ServerInfo {
  version: string;
  flushLogAtTrxCommit: string;
}

export async function serverInfo(db: Db): Promise<ServerInfo> {
  const { rows } = await sql<{ v: string; f: string | number }>`SELECT VERSION() AS v, @@innodb_flush_log_at_trx_commit AS f`.execute(db);
  return { version: rows[0]?.v ?? "?", flushLogAtTrxCommit: String(rows[0]?.f ?? "?") };
}

/** Server-wide InnoDB fsyncs, redo log included (other clients of the same server count too). */
export async function innodbFsyncs(db: Db): Promise<number> {
  const { rows } = await sql<{ Value: string }>`SHOW GLOBAL STATUS LIKE 'Innodb_data_fsyncs'`.execute(db);
  return Number(rows[0]?.Value ?? Number.NaN);
}

export interface CommitProbe {
  roundTripMs: number;
  durableCommitMs: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/**
 * The floor under every claim: one round trip, and one durable commit (redo log fsync with
 * innodb_flush_log_at_trx_commit=1). Measured on one connection before any load.
 */
export async function probeCommit(db: Db, samples = 100): Promise<CommitProbe> {
  await sql`CREATE TABLE bench_probe (id INT AUTO_INCREMENT PRIMARY KEY, v INT NOT NULL)`.execute(db);
  return db.connection().execute(async (conn) => {
    const rt: number[] = [];
    const commit: number[] = [];
    for (let i = 0; i < samples; i++) {
      let t = performance.now();
      await sql`SELECT 1`.execute(conn);
      rt.push(performance.now() - t);
      t = performance.now();
      await sql`INSERT INTO bench_probe (v) VALUES (${i})`.execute(conn);
      commit.push(performance.now() - t);
    }
    return { roundTripMs: median(rt), durableCommitMs: median(commit) };
  });
}
