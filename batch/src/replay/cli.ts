import { sql } from "kysely";
import { handlersFor } from "@surge/areas/projections";
import { createDb, dropDatabase, ensureDatabase, splitDatabaseUrl, type Db } from "@surge/platform/db/database";
import { MysqlEventStore } from "@surge/platform/eventstore/mysql-event-store";
import { PROJECTOR_CHECKPOINT, readCheckpoint } from "@surge/platform/db/checkpoints";
import { readEnv } from "../env.js";
import { progressBar } from "../audit/progress.js";
import { createShadow, databaseUrl, dropIfEmpty, replacedName, shadowName } from "./databases.js";
import { parseArgs, UsageError, USAGE, type AsOf, type ReplayOptions } from "./options.js";
import { openFailures, replayInto } from "./rebuild.js";
import { printReport } from "./report.js";
import { compareAtSnapshot } from "./snapshot.js";
import { swapIn } from "./swap.js";

/**
 * `npm run replay`: rebuilds every read model from position 0 into `<db>_shadow` with the
 * projector's own apply and handlers, then compares it with the live tables (exit 1 on any
 * difference). `--as-of` rebuilds a past state for inspection; `--swap` replaces the live read
 * models with the rebuilt ones. See docs/architecture.md, "Replay".
 */
let options: ReplayOptions;
try {
  options = parseArgs(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  console.error(`${err.message}\n${USAGE}`);
  process.exit(2);
}

const env = readEnv();
const liveName = splitDatabaseUrl(env.DATABASE_URL).database;
const shadowDb = shadowName(liveName);
const shadowUrl = databaseUrl(env.DATABASE_URL, shadowDb);
const live = createDb({ url: env.DATABASE_URL, poolSize: 3 });
const store = new MysqlEventStore(live);
// The live projector's handlers, dated in the same business time zone.
const handlers = handlersFor(env.BUSINESS_TZ);
let shadow: Db | null = null;
let exitCode = 1;
try {
  shadow = await createShadow(shadowUrl);
  const target = options.asOf ? await asOfPosition(live, options.asOf) : await readCheckpoint(live);
  const quarantine = await openFailures(live);
  console.log(`replaying ${liveName} events 1..${target} into ${shadowDb}${options.asOf ? " (as of)" : ""}`);
  if (quarantine.size > 0) console.log(`setting aside ${quarantine.size} event(s) the live projector dead-lettered (open projection_failures)`);
  await replayInto(store, shadow, handlers, target, { quarantine, onProgress: progressBar("replay") });

  const sh = shadow;
  // Without --as-of the shadow follows the live checkpoint, so the comparison is at one position.
  const { livePosition, reports } = await compareAtSnapshot(live, liveName, { db: sh, schema: shadowDb }, options.show, async (at, snapshot) => {
    if (!options.asOf) await replayInto(store, sh, handlers, at, { quarantine: await openFailures(snapshot) });
  });
  const shadowPosition = await readCheckpoint(sh);
  console.log(`compared live ${liveName} at position ${livePosition} with ${shadowDb} at position ${shadowPosition}`);
  const found = printReport(reports, (line) => console.log(line));
  exitCode = found === 0 ? 0 : 1;

  if (options.swap) {
    const replaced = replacedName(liveName);
    const replacedUrl = databaseUrl(env.DATABASE_URL, replaced);
    await ensureDatabase(replacedUrl);
    const swapped = await swapIn({ live, liveName, shadow: sh, shadowName: shadowDb, replacedName: replaced, store, handlers }).catch(async (err: unknown) => {
      await dropIfEmpty(live, replacedUrl);
      throw err;
    });
    // What stays in the shadow database is bookkeeping (its own events, migrations): nothing to inspect.
    await sh.destroy();
    shadow = null;
    await dropDatabase(shadowUrl);
    console.log(`SWAPPED at position ${swapped.position}: ${swapped.tables.join(", ")}`);
    console.log(`the replaced tables are in ${replaced}; projection_checkpoints '${PROJECTOR_CHECKPOINT}' row set to ${swapped.position}`);
    // The differences above were in the tables just replaced: live now matches the log.
    exitCode = 0;
  } else {
    console.log(`the rebuilt read models stay in ${shadowDb} for inspection (dropped by the next replay)`);
  }
} catch (err) {
  console.error(`replay failed: ${err instanceof Error ? err.message : String(err)}`);
  exitCode = 1;
} finally {
  await shadow?.destroy();
  await live.destroy();
}
process.exit(exitCode);

/** The last position to replay: the given one (at most the head), or the last event that occurred by the instant. */
async function asOfPosition(db: Db, asOf: AsOf): Promise<number> {
  if ("position" in asOf) return Math.min(asOf.position, await store.headPosition());
  const { rows } = await sql<{ p: number | null }>`SELECT MAX(position) AS p FROM events WHERE occurred_at <= ${asOf.instant}`.execute(db);
  return Number(rows[0]?.p ?? 0);
}
