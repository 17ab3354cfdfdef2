import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { z } from "zod";
import { createDb, dropDatabase, ensureDatabase, type Db } from "@surge/platform/db/database";
import { runMigrations } from "@surge/platform/db/migrate";
import { eventType } from "@surge/platform/events/event-type";
import { GENESIS_HASH, legacyChainHash, verifyChain } from "@surge/platform/eventstore/chain";
import { MysqlEventStore } from "@surge/platform/eventstore/mysql-event-store";
import { newId } from "@surge/platform/ids";
import { testEnv } from "@surge/testkit/env";
import "@surge/testkit/provided";
import { migrations } from "./index.js";

let url: string;
let db: Db;
beforeAll(async () => {
  const server = new URL(inject("databaseUrl") ?? testEnv.databaseUrl);
  server.pathname = `/surge_t_${randomBytes(4).toString("hex")}`;
  url = server.toString();
  await ensureDatabase(url);
  db = createDb({ url, poolSize: 2 });
});
afterAll(async () => {
  await db?.destroy();
  if (url) await dropDatabase(url);
});

it("a log written before the chain_format migration verifies after it, followed by format-2 events", async () => {
  const before = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < "20261204T0900_chain_format"));
  await runMigrations(db, before);
  // Appends as the store made them before: no chain_format, recorded_at from the column default.
  let previous = GENESIS_HASH;
  for (let position = 1; position <= 5; position++) {
    const row = { position, stream_id: "old-1", version: position, type: "ThingHappened", data: `{"n":${position}}`, metadata: "{}" };
    previous = legacyChainHash(previous, { ...row, event_id: "", tag: null, occurred_at: new Date(0), recorded_at: new Date(0) });
    await sql`INSERT INTO events (position, event_id, stream_id, version, type, data, metadata, tag, occurred_at, hash)
              VALUES (${position}, ${newId()}, ${row.stream_id}, ${position}, ${row.type}, ${row.data}, ${row.metadata}, NULL, NOW(3), ${previous})`.execute(
      db,
    );
  }
  await sql`UPDATE event_sequence SET last_position = 5, last_hash = ${previous} WHERE id = 1`.execute(db);

  // The chain_format migration runs first among those left, so the old rows are sealed before later schema changes.
  expect(await runMigrations(db, migrations)).toEqual(
    Object.keys(migrations)
      .filter((name) => name >= "20261204T0900_chain_format")
      .sort(),
  );
  const store = new MysqlEventStore(db);
  const meta = { correlationId: "c", causationId: null, userId: null, occurredAt: new Date().toISOString() };
  await store.append("new-1", "no_stream", [{ eventType: eventType("ThingHappened", z.object({ n: z.number() })), data: { n: 6 }, metadata: meta, tag: "t" }]);
  await store.close();

  const formats = await db.selectFrom("events").select("chain_format").orderBy("position").execute();
  expect(formats.map((r) => r.chain_format)).toEqual([1, 1, 1, 1, 1, 2]);
  expect(await verifyChain(db)).toMatchObject({ checked: 6, headPosition: 6, legacy: 5, broken: null });
  // No default any more: a writer must say how it sealed a row.
  await expect(
    sql`INSERT INTO events (position, event_id, stream_id, version, type, data, metadata, occurred_at, recorded_at, hash)
        VALUES (7, ${newId()}, 'x', 1, 'T', '{}', '{}', NOW(3), NOW(3), ${GENESIS_HASH})`.execute(db),
  ).rejects.toThrow(/chain_format/);
});
