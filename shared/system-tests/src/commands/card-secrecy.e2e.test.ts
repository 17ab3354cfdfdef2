import { createHash, createHmac } from "node:crypto";
import { sql } from "kysely";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { orderStream } from "@surge/areas/orders/events";
import { idempotencyRecordKey } from "@surge/command-api/http/idempotency";
import { eventMessage } from "@surge/platform/kafka/codec";
import { readEnv as readSimEnv } from "@surge/devtools/pg-simulator/env";
import { startPgSimulator } from "@surge/devtools/pg-simulator/start";
import { createTestContext, type TestContext } from "@surge/testkit/context";
import { bearer, http } from "@surge/testkit/http";
import { createSale, placeOrder } from "@surge/testkit/sales";
import { waitFor } from "@surge/testkit/wait";
import { startApps, type Apps } from "../apps.js";

/**
 * A card number must not be recoverable from anything Surge keeps: not in the clear, and not as an
 * unkeyed digest of it or of a body holding it, which anyone could match by guessing the ~10^5
 * numbers left open by a masked number's first 6, last 4 and Luhn digit.
 */
const PG_SECRET = "test-pg-webhook-secret-0123456789";
const IDEMPOTENCY_SECRET = "card-secrecy-idempotency-secret-0123";
let ctx: TestContext;
let pg: Awaited<ReturnType<typeof startPgSimulator>>;
let apps: Apps;
beforeAll(async () => {
  ctx = await createTestContext();
  pg = await startPgSimulator(
    readSimEnv({
      PG_SIMULATOR_PORT: "0",
      PG_WEBHOOK_SECRET: PG_SECRET,
      LOG_LEVEL: "fatal",
      PG_SIM_REQUEST_FAILURE_RATE: "0",
      PG_SIM_LIMIT_EXCEEDED_RATE: "0",
      PG_SIM_INVALID_CARD_RATE: "0",
      PG_SIM_REQUEST_MIN_DELAY_MS: "0",
      PG_SIM_REQUEST_MAX_DELAY_MS: "10",
      PG_SIM_MIN_DELAY_MS: "10",
      PG_SIM_MAX_DELAY_MS: "50",
    }),
  );
  apps = await startApps(ctx, { PG_BASE_URL: pg.url, PG_WEBHOOK_SECRET: PG_SECRET, IDEMPOTENCY_SECRET });
});
afterAll(async () => {
  await apps?.stop();
  await pg?.stop();
  await ctx?.close();
});

const NUMBER = "9410-2233-4455-6678";

/** The card number in every spelling, and every unkeyed digest of it or of the request that carried it. */
function forbidden(path: string, body: string): string[] {
  const digits = NUMBER.replaceAll("-", "");
  const texts = [NUMBER, digits, body, `POST ${path}\n${body}`];
  const digests = texts.flatMap((t) =>
    ["sha256", "sha1", "md5", "sha512"].flatMap((alg) => {
      const d = createHash(alg).update(t).digest();
      return [d.toString("hex"), d.toString("base64"), d.toString("base64url")];
    }),
  );
  return [NUMBER, digits, ...digests];
}

function expectNone(where: string, haystack: string, needles: string[]): void {
  for (const needle of needles) expect(haystack.includes(needle), `${where} holds ${needle}`).toBe(false);
}

const text = (v: unknown): string => (Buffer.isBuffer(v) ? `${v.toString("utf8")} ${v.toString("hex")}` : v instanceof Date ? v.toISOString() : String(v));

/** Every key under this file's prefix with everything it holds, whatever its type. */
async function redisDump(): Promise<string> {
  const raw = new Redis(ctx.redisUrl);
  try {
    const out: string[] = [];
    let cursor = "0";
    do {
      const [next, keys] = await raw.scan(cursor, "MATCH", `${ctx.redisKeyPrefix}*`, "COUNT", 1000);
      cursor = next;
      for (const key of keys) {
        const type = await raw.type(key);
        const value =
          type === "string"
            ? await raw.get(key)
            : type === "hash"
              ? await raw.hgetall(key)
              : type === "set"
                ? await raw.smembers(key)
                : type === "zset"
                  ? await raw.zrange(key, 0, -1, "WITHSCORES")
                  : type === "list"
                    ? await raw.lrange(key, 0, -1)
                    : type === "stream"
                      ? await raw.xrange(key, "-", "+")
                      : `(${type})`;
        out.push(`${key} ${JSON.stringify(value)}`);
      }
    } while (cursor !== "0");
    return out.join("\n");
  } finally {
    raw.disconnect();
  }
}

describe("after a card payment", () => {
  it("no stored byte holds the card number or an unkeyed hash of a body that holds it", async () => {
    const admin = await ctx.token("admin1", "admin");
    const sale = await createSale(apps.command, admin, { deals: [{ price: 5_000, stock: 5 }] });
    const token = await ctx.token("card-user");
    const placed = await placeOrder(apps.command, token, [{ dealId: sale.deals[0]!.dealId, quantity: 1 }]);
    const orderId = placed.body.orderId as string;
    const path = `/orders/${orderId}/payments`;
    const body = JSON.stringify({ method: "CARD", card: { type: "KB", number: NUMBER } });
    const paid = await http("POST", `${apps.command}${path}`, {
      headers: { ...bearer(token), "idempotency-key": "card-1", "content-type": "application/json" },
      body,
    });
    expect(paid.status, paid.text).toBe(202);
    await waitFor("the card payment to succeed", async () => (await ctx.store.readStream(orderStream(orderId))).some((e) => e.type === "OrderPaid"));
    const record = idempotencyRecordKey("card-user", "card-1");
    await waitFor("the key's answer to be kept", async () => (await ctx.redis.hexists(record, "status")) === 1);

    const needles = forbidden(path, body);
    // Among them the request hash as it was kept before: unkeyed sha256 of `method path \n body`.
    expect(needles).toContain(createHash("sha256").update(`POST ${path}\n${body}`).digest("hex"));

    const rows = await sql<Record<string, unknown>>`SELECT * FROM events`.execute(ctx.db);
    expect(rows.rows.length).toBeGreaterThan(0);
    for (const row of rows.rows) expectNone(`events row ${text(row.position)}`, Object.values(row).map(text).join("\n"), needles);

    expectNone("Redis", await redisDump(), needles);

    const audit = await http("GET", `${apps.query}/admin/audit/streams/${orderStream(orderId)}`, { headers: bearer(admin) });
    expect(audit.status).toBe(200);
    expectNone("the audit API", audit.text, needles);

    // What the relay publishes for each stored event (the same codec the Kafka mode runs).
    for (const e of await ctx.store.readAll(0, 10_000)) {
      const m = eventMessage(e);
      expectNone(`the Kafka message of ${e.type}`, `${String(m.key)}\n${text(m.value)}\n${JSON.stringify(m.headers)}`, needles);
    }

    // What is kept instead: the fingerprint keyed with IDEMPOTENCY_SECRET, and the card's type and last four digits.
    const keyed = createHmac("sha256", IDEMPOTENCY_SECRET).update(`POST ${path}\n${body}`).digest("hex");
    const requested = (await ctx.store.readStream(orderStream(orderId))).find((e) => e.type === "PaymentRequested")!;
    expect(requested.metadata.requestHash).toBe(keyed);
    expect(requested.data).toMatchObject({ card: { type: "KB", last4: "6678" } });
    expect(await ctx.redis.hget(record, "hash")).toBe(keyed);
    expect(audit.text).toContain(keyed);
  });
});
