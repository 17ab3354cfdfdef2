import { setTimeout as delay } from "node:timers/promises";
import type { Db } from "@surge/platform/db/database";
import { MysqlEventStore } from "@surge/platform/eventstore/mysql-event-store";

/**
 * Writers for gap tests: `count` stores on one database, each batch of at most 5 appends waiting up
 * to 15 ms before its commit and rolling back about one time in seven. `rollbacks()` says how many
 * did, so a test can insist the failure it is about really happened.
 */
export function failingWriters(db: Db, count: number): { writers: MysqlEventStore[]; rollbacks: () => number } {
  let rollbacks = 0;
  const writers = Array.from(
    { length: count },
    () =>
      new MysqlEventStore(db, {
        limits: { maxItems: 5 },
        beforeCommit: async () => {
          await delay(Math.random() * 15);
          if (Math.random() < 0.15) {
            rollbacks++;
            throw new Error("injected rollback");
          }
        },
      }),
  );
  return { writers, rollbacks: () => rollbacks };
}
