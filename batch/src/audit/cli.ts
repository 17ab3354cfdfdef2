import { createDb } from "@surge/platform/db/database";
import { MysqlEventStore } from "@surge/platform/eventstore/mysql-event-store";
import { verifyChain } from "@surge/platform/eventstore/chain";
import { readEnv } from "../env.js";
import { progressBar } from "./progress.js";

/**
 * `npm run audit -- verify`: walks the hash chain and names the first altered, inserted or deleted
 * event (exit 1). `npm run audit -- stream <streamId>`: prints a stream's history.
 */
const [command, arg] = process.argv.slice(2);
const env = readEnv();
const db = createDb({ url: env.DATABASE_URL, poolSize: 2 });
let exitCode = 0;
try {
  if (command === "verify") {
    const report = await verifyChain(db, progressBar("verify"));
    if (report.broken) {
      const { position, reason } = report.broken;
      console.error(`TAMPERED: event at position ${position} is ${reason} (checked ${report.checked} of ${report.headPosition})`);
      exitCode = 1;
    } else {
      console.log(`OK: ${report.checked} events, chain intact up to position ${report.headPosition}`);
    }
  } else if (command === "stream" && arg) {
    const events = await new MysqlEventStore(db).readStream(arg);
    if (events.length === 0) {
      console.error(`no stream ${arg}`);
      exitCode = 1;
    }
    for (const e of events) {
      console.log(`#${e.position} v${e.version} ${e.occurredAt.toISOString()} ${e.type} ${JSON.stringify(e.data)} ${JSON.stringify(e.metadata)}`);
    }
  } else {
    console.error("usage: npm run audit -- verify | stream <streamId>");
    exitCode = 2;
  }
} finally {
  await db.destroy();
}
process.exit(exitCode);
