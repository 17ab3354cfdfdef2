import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "kysely";
import { readCheckpoint } from "@surge/platform/db/checkpoints";
import { bearer, http } from "@surge/testkit/http";
import { buildKafkaMock, kafkaTestEnv, startKafkaMock, type KafkaMock } from "@surge/testkit/kafka-mock";
import { createTestContext, type TestContext } from "@surge/testkit/context";
import { spawnApp, stillRunning, type ChildApp } from "@surge/testkit/child-app";
import { waitFor } from "@surge/testkit/wait";
import { readEnv } from "@surge/command-api/env";
import { startCommandApi, type CommandApi } from "@surge/command-api/start";
import { readRelayEnv } from "@surge/command-api/relay/env";
import { startRelay, type RunningRelay } from "@surge/command-api/relay/start";

const build = await buildKafkaMock();
if (build.skip) console.warn(`Kafka outage test: ${build.skip}`);

let ctx: TestContext;
let kafka: KafkaMock;
let api: CommandApi;
let relay: RunningRelay;
let projector: ChildApp;

beforeAll(async () => {
  if (!build.binary) return;
  ctx = await createTestContext();
  kafka = await startKafkaMock(build.binary, { partitions: 3 });
  const env = kafkaTestEnv(ctx, kafka);
  api = await startCommandApi(readEnv({ ...ctx.appEnv, COMMAND_API_PORT: "0" }));
  relay = await startRelay(readRelayEnv({ ...env, RELAY_BATCH_SIZE: "200" }));
  projector = spawnApp("projector/src/main.ts", env);
});
afterAll(async () => {
  projector?.child.kill("SIGKILL");
  await relay?.stop();
  await api?.stop();
  await kafka?.stop();
  await ctx?.close();
});

const metric = (text: string, name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(text)?.[1]);
/** Waits for `ok`, failing at once (with its log) if the projector process dies. */
const until = (what: string, ok: () => Promise<boolean>, timeoutMs: number) =>
  waitFor(what, ok, { timeoutMs, check: stillRunning(projector, "the projector"), detail: projector.output });

/** Runs `tasks` with at most `width` in flight. */
async function pool<T>(tasks: Array<() => Promise<T>>, width: number): Promise<T[]> {
  const out: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < tasks.length) {
        const i = next++;
        out[i] = await tasks[i]!();
      }
    }),
  );
  return out;
}

describe.skipIf(build.skip)("Kafka down", () => {
  it("takes 1,000 orders while Kafka is down (all 201), then projects each exactly once when it is back", { timeout: 180_000 }, async () => {
    const admin = bearer(await ctx.token("admin", "admin"));
    const product = await http("POST", `${api.url}/admin/products`, { headers: admin, body: { name: "Labubu", price: 40_000 } });
    const sale = await http("POST", `${api.url}/admin/events`, {
      headers: admin,
      body: {
        name: "Flash",
        opensAt: new Date(Date.now() - 1000).toISOString(),
        deals: [{ productId: product.body.productId, salePrice: 20_000, stock: 5000, perUserLimit: 50 }],
      },
    });
    expect(sale.status).toBe(201);
    const dealId = sale.body.deals[0].dealId as string;
    // Everything so far is projected through Kafka: the pipeline runs before the outage.
    const projected = async () => (await readCheckpoint(ctx.db)) >= (await ctx.store.headPosition());
    await until("the sale projected via Kafka", projected, 60_000);
    const before = await ctx.store.headPosition();

    await kafka.down();
    const tokens = await Promise.all(Array.from({ length: 100 }, (_, i) => ctx.token(`buyer${i}`)));
    const started = performance.now();
    const results = await pool(
      Array.from(
        { length: 1000 },
        (_, i) => () =>
          http("POST", `${api.url}/orders`, {
            headers: { ...bearer(tokens[i % 100]!), "idempotency-key": `outage-${i}` },
            body: { items: [{ dealId, quantity: 1 + (i % 2) }] },
          }),
      ),
      50,
    );
    const seconds = (performance.now() - started) / 1000;
    const statuses = new Map<number, number>();
    for (const r of results) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    expect(Object.fromEntries(statuses)).toEqual({ 201: 1000 });
    const lastPosition = Math.max(...results.map((r) => Number(r.headers["x-position"])));

    // Nothing got through, and the relay says how far behind it is.
    expect(await readCheckpoint(ctx.db)).toBe(before);
    const scrape = async () => (await fetch(`${relay.url}/metrics`)).text();
    const text = await scrape();
    expect(metric(text, "relay_lag_events")).toBe((await ctx.store.headPosition()) - before);
    expect(metric(text, "relay_lag_events")).toBeGreaterThanOrEqual(1000);
    // The orders can all be in before the producer's first attempt against the dead broker gives up.
    await until("the relay to report a failed publish", async () => metric(await scrape(), "relay_publish_failures_total") > 0, 60_000);

    await kafka.up();
    const back = performance.now();
    await until("everything projected after the broker came back", projected, 90_000);
    const recovery = (performance.now() - back) / 1000;
    console.warn(`outage: 1000 orders in ${seconds.toFixed(1)} s with Kafka down; projected ${recovery.toFixed(1)} s after it came back`);
    expect(await readCheckpoint(ctx.db)).toBeGreaterThanOrEqual(lastPosition);

    const head = await ctx.store.headPosition();
    const handled = await sql<{
      n: number;
      low: number;
      high: number;
    }>`SELECT COUNT(*) AS n, MIN(position) AS low, MAX(position) AS high FROM event_handled`.execute(ctx.db);
    // Every position from 1 to the head handled, each once.
    expect(handled.rows[0]).toMatchObject({ n: head, high: head });
    expect(Number(handled.rows[0]!.low)).toBe(1);
    const orders = await ctx.db
      .selectFrom("orders")
      .select((eb) => eb.fn.countAll().as("n"))
      .where("event_id", "=", sale.body.eventId)
      .executeTakeFirstOrThrow();
    expect(Number(orders.n)).toBe(1000);
    const deal = await ctx.db.selectFrom("sale_deals").select("sold").where("deal_id", "=", dealId).executeTakeFirstOrThrow();
    expect(deal.sold).toBe(1500);
  });
});
