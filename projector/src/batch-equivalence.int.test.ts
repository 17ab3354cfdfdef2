import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "@surge/platform/db/database";
import type { EventStore } from "@surge/platform/eventstore/types";
import { createTestContext, type TestContext } from "@surge/testkit/context";
import { applyBatch, EventHandlerError } from "@surge/platform/projection/apply";
import { handlers } from "@surge/areas/projections";
import type { Projections } from "@surge/platform/projection/handler";
import { appendMixedLog } from "@surge/testkit/mixed-log";

/** Every table the projector writes (the checkpoint, and event_handled's wall-clock column, left out). */
const tables = [
  "coupon_view",
  "coupon_claims",
  "products",
  "sale_events",
  "sale_deals",
  "orders",
  "wallets",
  "paid_sales",
  "product_metrics_daily",
  "product_metrics_weekly",
  "product_metrics_monthly",
  "event_handled",
];

/** One MD5 per row over QUOTE() of every column (NULL-safe, exact text of JSON), sorted. */
async function checksums(db: Db, table: string): Promise<string[]> {
  const { rows: cols } = await sql<{ c: string }>`
    SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ${table}
    AND NOT (TABLE_NAME = 'event_handled' AND COLUMN_NAME NOT IN ('event_id', 'position')) ORDER BY ORDINAL_POSITION`.execute(db);
  const row = `CONCAT_WS(',', ${cols.map((r) => `QUOTE(\`${r.c}\`)`).join(", ")})`;
  const { rows } = await sql<{ h: string }>`SELECT CONCAT(MD5(${sql.raw(row)}), ' ', ${sql.raw(row)}) AS h FROM ${sql.raw(`\`${table}\``)}`.execute(db);
  return rows.map((r) => r.h).sort();
}

/** Projects the whole log in batches of `batchSize`; returns how many events had to be redone one by one. */
async function project(store: EventStore, db: Db, map: Projections, batchSize: number): Promise<number> {
  let position = 0;
  let redone = 0;
  for (;;) {
    const events = await store.readAll(position, batchSize);
    if (events.length === 0) return redone;
    redone += (await applyBatch(db, map, events)).redone;
    position = events.at(-1)!.position;
  }
}

let log: TestContext;
const targets: TestContext[] = [];
beforeAll(async () => {
  log = await createTestContext();
  for (let i = 0; i < 3; i++) targets.push(await createTestContext());
}, 60_000);
afterAll(async () => {
  for (const t of targets) await t.close();
  await log?.close();
});

describe("batch projection", () => {
  it("leaves every read model exactly as applying the events one run each does, whatever the batch size", async () => {
    const total = await appendMixedLog(log.store, 5000);
    expect(total).toBeGreaterThan(5000);
    const [reference, one, many] = targets as [TestContext, TestContext, TestContext];
    // Every event alone (a run of one, one transaction each) is the reference; then runs folded across many events.
    await project(log.store, reference.db, handlers, 1);
    // Not redone event by event: the folded runs themselves produced the tables compared below.
    expect(await project(log.store, one.db, handlers, 37)).toBe(0);
    expect(await project(log.store, many.db, handlers, 500)).toBe(0);
    for (const table of tables) {
      const expected = await checksums(reference.db, table);
      if (["orders", "sale_deals", "paid_sales", "coupon_claims", "sale_events"].includes(table)) expect(expected.length, table).toBeGreaterThan(0);
      expect(await checksums(one.db, table), `${table}, batch size 37`).toEqual(expected);
      expect(await checksums(many.db, table), `${table}, batch size 500`).toEqual(expected);
    }
  }, 300_000);

  it.each(["OrderPlaced", "CouponClaimed", "ProductCreated"])(
    "names the bad event of a failing run (%s delivered twice under another id)",
    async (type) => {
      const target = await createTestContext();
      try {
        const events = await log.store.readAll(0, 400);
        await applyBatch(target.db, handlers, events.slice(0, 200));
        const first = events.slice(0, 200).find((e) => e.type === type)!;
        // The same row created again under another event id, amid a run of fresh events.
        const again = { ...first, eventId: "duplicate-creation", position: events.at(-1)!.position + 1 };
        const error = await applyBatch(target.db, handlers, [...events.slice(200), again]).catch((err: unknown) => err);
        expect(error).toBeInstanceOf(EventHandlerError);
        expect((error as EventHandlerError).event.eventId).toBe("duplicate-creation");
        expect(await checksums(target.db, "event_handled")).toHaveLength(200);
      } finally {
        await target.close();
      }
    },
    60_000,
  );
});
