import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { http } from "@surge/testkit/http";
import { testEnv } from "@surge/testkit/env";
import { readEnv } from "./env.js";
import { startPgSimulator, type PgSimulator, type PgSimulatorOptions } from "./start.js";
import { verifySignature } from "@surge/areas/payments/signature";

const SECRET = "pg-test-secret-0123456789abcdef";
const FAST = { minDelayMs: 50, maxDelayMs: 100, requestMinDelayMs: 0, requestMaxDelayMs: 10 };
const ALL_SUCCESS = { ...FAST, requestFailureRate: 0, limitExceededRate: 0, invalidCardRate: 0 };

interface Attempt {
  headers: IncomingHttpHeaders;
  raw: string;
  body: any;
  answered: number;
}

/** A callback receiver: records every attempt; answers with `statuses` in turn, then 200. */
async function startReceiver(statuses: number[] = []) {
  const attempts: Attempt[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const answered = statuses.shift() ?? 200;
      attempts.push({ headers: req.headers, raw, body: JSON.parse(raw), answered });
      res.writeHead(answered).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/pg/callback`,
    attempts,
    delivered: (paymentId: string) => attempts.filter((a) => a.body.paymentId === paymentId && a.answered < 300),
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

type Receiver = Awaited<ReturnType<typeof startReceiver>>;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(config: Record<string, unknown>, opts: { seed?: number; statuses?: number[]; options?: PgSimulatorOptions } = {}) {
  const receiver = await startReceiver(opts.statuses);
  cleanups.push(receiver.close);
  const sim = await startPgSimulator(
    readEnv({ PG_SIMULATOR_PORT: "0", PG_WEBHOOK_SECRET: SECRET, LOG_LEVEL: testEnv.logLevel, PG_SIM_SEED: String(opts.seed ?? 1) }),
    opts.options,
  );
  cleanups.push(sim.stop);
  const res = await http("PUT", `${sim.url}/config`, { body: config });
  expect(res.status).toBe(200);
  return { sim, receiver };
}

let seq = 0;
function payment(receiver: Receiver, overrides: Record<string, unknown> = {}) {
  seq += 1;
  return {
    orderId: `order-${seq}`,
    paymentId: `pay-${seq}`,
    card: { type: "SAMSUNG", number: "1234-5678-9012-3456" },
    amount: 15_000,
    callbackUrl: receiver.url,
    ...overrides,
  };
}

const pay = (sim: PgSimulator, body: object) => http("POST", `${sim.url}/payments`, { body });

async function finalStatus(sim: PgSimulator, transactionKey: string): Promise<string> {
  await expect.poll(async () => (await http("GET", `${sim.url}/payments/${transactionKey}`)).body.status, { timeout: 3000, interval: 20 }).not.toBe("PENDING");
  return (await http("GET", `${sim.url}/payments/${transactionKey}`)).body.status;
}

describe("pg-simulator", () => {
  it("listens on loopback only, unless told otherwise", async () => {
    const { sim } = await setup(FAST);
    expect(sim.address).toBe("127.0.0.1");
  });

  it("answers 500 to every request at a 100 % failure rate and accepts nothing", async () => {
    const { sim, receiver } = await setup({ ...FAST, requestFailureRate: 1 });
    const bodies = Array.from({ length: 10 }, () => payment(receiver, { orderId: "order-fail" }));
    const results = await Promise.all(bodies.map((b) => pay(sim, b)));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(500));
    expect(results[0]!.body.code).toBe("INTERNAL");
    expect((await http("GET", `${sim.url}/payments?orderId=order-fail`)).body).toEqual({ items: [] });
  });

  it("accepts, completes with SUCCESS and sends a callback signed over its raw body", async () => {
    const { sim, receiver } = await setup(ALL_SUCCESS);
    const body = payment(receiver);
    const res = await pay(sim, body);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ transactionKey: expect.any(String), status: "PENDING" });
    const { transactionKey } = res.body;

    const pending = await http("GET", `${sim.url}/payments/${transactionKey}`);
    expect(pending.body).toEqual({
      transactionKey,
      orderId: body.orderId,
      paymentId: body.paymentId,
      amount: 15_000,
      status: "PENDING",
      card: { type: "SAMSUNG", last4: "3456" },
    });

    await expect.poll(() => receiver.delivered(body.paymentId).length, { timeout: 3000, interval: 20 }).toBe(1);
    const [callback] = receiver.delivered(body.paymentId);
    expect(callback!.headers["content-type"]).toMatch(/application\/json/);
    expect(verifySignature(callback!.raw, callback!.headers["x-pg-signature"] as string, SECRET)).toBe(true);
    expect(verifySignature(callback!.raw, callback!.headers["x-pg-signature"] as string, "another-secret-0123456789")).toBe(false);
    expect(verifySignature(callback!.raw.replace("15000", "15001"), callback!.headers["x-pg-signature"] as string, SECRET)).toBe(false);
    expect(callback!.body).toEqual({
      transactionKey,
      orderId: body.orderId,
      paymentId: body.paymentId,
      status: "SUCCESS",
      amount: 15_000,
      completedAt: expect.any(String),
    });
    expect(Number.isNaN(Date.parse(callback!.body.completedAt))).toBe(false);
    expect(await finalStatus(sim, transactionKey)).toBe("SUCCESS");
    expect((await http("GET", `${sim.url}/payments?orderId=${body.orderId}`)).body.items).toMatchObject([{ transactionKey, status: "SUCCESS" }]);
  });

  it("ends every payment INVALID_CARD at a 100 % invalid-card rate", async () => {
    const { sim, receiver } = await setup({ ...ALL_SUCCESS, invalidCardRate: 1 });
    const bodies = Array.from({ length: 5 }, () => payment(receiver));
    const keys = (await Promise.all(bodies.map((b) => pay(sim, b)))).map((r) => r.body.transactionKey as string);
    for (const key of keys) expect(await finalStatus(sim, key)).toBe("INVALID_CARD");
    await expect.poll(() => receiver.attempts.length, { timeout: 3000, interval: 20 }).toBe(5);
    expect(new Set(receiver.attempts.map((a) => a.body.status))).toEqual(new Set(["INVALID_CARD"]));
  });

  it("sends no callback with callbacks: false, but the outcome is visible via GET", async () => {
    const { sim, receiver } = await setup({ ...ALL_SUCCESS, limitExceededRate: 1, callbacks: false });
    const res = await pay(sim, payment(receiver));
    expect(res.status).toBe(201);
    expect(await finalStatus(sim, res.body.transactionKey)).toBe("LIMIT_EXCEEDED");
    // Completed: any callback it were to send would be under way now, and idle() waits for it.
    await sim.gateway.idle();
    expect(receiver.attempts).toEqual([]);
  });

  it("delivers each callback callbackRepeat times, byte for byte the same", async () => {
    const { sim, receiver } = await setup({ ...ALL_SUCCESS, callbackRepeat: 3 });
    const body = payment(receiver);
    expect((await pay(sim, body)).status).toBe(201);
    await expect.poll(() => receiver.delivered(body.paymentId).length, { timeout: 3000, interval: 20 }).toBe(3);
    const deliveries = receiver.delivered(body.paymentId);
    expect(new Set(deliveries.map((d) => d.raw)).size).toBe(1);
    for (const d of deliveries) expect(verifySignature(d.raw, d.headers["x-pg-signature"] as string, SECRET)).toBe(true);
    // Every delivery of the callback is over: a fourth would have been counted.
    await sim.gateway.idle();
    expect(receiver.delivered(body.paymentId)).toHaveLength(3);
  });

  it("retries a callback the receiver failed, with backoff", async () => {
    const { sim, receiver } = await setup(ALL_SUCCESS, { statuses: [500, 503], options: { callbackRetry: { baseDelayMs: 20 } } });
    const body = payment(receiver);
    expect((await pay(sim, body)).status).toBe(201);
    await expect.poll(() => receiver.delivered(body.paymentId).length, { timeout: 3000, interval: 20 }).toBe(1);
    expect(receiver.attempts.map((a) => a.answered)).toEqual([500, 503, 200]);
  });

  it("is idempotent by paymentId: one transaction, the same key", async () => {
    const { sim, receiver } = await setup(ALL_SUCCESS);
    const body = payment(receiver);
    const first = await pay(sim, body);
    expect(first.status).toBe(201);
    const again = await Promise.all([pay(sim, body), pay(sim, body)]);
    for (const r of again) {
      expect(r.status).toBe(200);
      expect(r.body.transactionKey).toBe(first.body.transactionKey);
    }
    expect((await http("GET", `${sim.url}/payments?orderId=${body.orderId}`)).body.items).toHaveLength(1);
    await finalStatus(sim, first.body.transactionKey);
    await sim.gateway.idle();
    expect(receiver.delivered(body.paymentId)).toHaveLength(1);
    const conflicting = await pay(sim, { ...body, amount: 1 });
    expect(conflicting.status).toBe(409);
    expect(conflicting.body.transactionKey).toBe(first.body.transactionKey);
  });

  it("refunds a SUCCESS payment once and refuses the rest", async () => {
    const { sim, receiver } = await setup(ALL_SUCCESS);
    const key = (await pay(sim, payment(receiver))).body.transactionKey as string;
    const tooEarly = await http("POST", `${sim.url}/payments/${key}/refund`);
    expect(tooEarly.status).toBe(409);
    expect(tooEarly.body.status).toBe("PENDING");
    expect(await finalStatus(sim, key)).toBe("SUCCESS");

    const refund = await http("POST", `${sim.url}/payments/${key}/refund`);
    expect(refund.status).toBe(200);
    expect(refund.body).toMatchObject({ transactionKey: key, status: "REFUNDED" });
    const again = await http("POST", `${sim.url}/payments/${key}/refund`);
    expect(again.status).toBe(200);
    expect(again.body.status).toBe("REFUNDED");
    expect((await http("GET", `${sim.url}/payments/${key}`)).body.status).toBe("REFUNDED");

    await http("PUT", `${sim.url}/config`, { body: { invalidCardRate: 1 } });
    const declined = (await pay(sim, payment(receiver))).body.transactionKey as string;
    expect(await finalStatus(sim, declined)).toBe("INVALID_CARD");
    expect((await http("POST", `${sim.url}/payments/${declined}/refund`)).status).toBe(409);
    expect((await http("POST", `${sim.url}/payments/tx_unknown/refund`)).status).toBe(404);
    expect((await http("GET", `${sim.url}/payments/tx_unknown`)).status).toBe(404);
  });

  it("replays the same outcome sequence for the same seed", async () => {
    const mixed = { ...FAST, requestFailureRate: 0.3, limitExceededRate: 0.3, invalidCardRate: 0.3 };
    async function run(seed: number): Promise<string[]> {
      const { sim, receiver } = await setup(mixed, { seed });
      const outcomes: string[] = [];
      for (let i = 0; i < 12; i++) {
        const res = await pay(sim, payment(receiver));
        outcomes.push(res.status === 201 ? await finalStatus(sim, res.body.transactionKey) : String(res.status));
      }
      return outcomes;
    }
    const [a, b, c] = [await run(42), await run(42), await run(7)];
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
    expect(new Set(a).size).toBeGreaterThan(1);
  });

  it("rejects a bad PUT /config with 400 and keeps the old config", async () => {
    const { sim } = await setup(FAST);
    const before = (await http("GET", `${sim.url}/config`)).body;
    expect(before).toMatchObject(FAST);
    const bad = [
      { requestFailureRate: 1.5 },
      { minDelayMs: -1 },
      { callbackRepeat: 0 },
      { callbacks: "yes" },
      { surprise: true },
      { minDelayMs: 200, maxDelayMs: 100 },
      { limitExceededRate: 0.6, invalidCardRate: 0.6 },
      [],
      "not json",
    ];
    for (const body of bad) {
      const res = await http("PUT", `${sim.url}/config`, { body: body as object, headers: { "content-type": "application/json" } });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.code).toBe("VALIDATION_FAILED");
    }
    expect((await http("GET", `${sim.url}/config`)).body).toEqual(before);
  });

  it("rejects a malformed payment request with 400", async () => {
    const { sim } = await setup(ALL_SUCCESS);
    const ok = { orderId: "o", paymentId: "p", card: { type: "KB", number: "1234-5678-9012-3456" }, amount: 1, callbackUrl: "http://127.0.0.1:1/cb" };
    for (const body of [
      { ...ok, amount: -1 },
      { ...ok, amount: 1.5 },
      { ...ok, card: { type: "VISA", number: ok.card.number } },
      { ...ok, card: { type: "KB", number: "1234" } },
      { ...ok, callbackUrl: "nope" },
      { ...ok, orderId: undefined },
    ]) {
      const res = await pay(sim, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect((await http("GET", `${sim.url}/payments`)).status).toBe(400);
  });
});
