import { TokenVerifier } from "@surge/platform/http/token-verifier";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MiddlewareHandler } from "hono";
import { pino } from "pino";
import { AppError } from "@surge/platform/errors";
import { createBaseApp } from "@surge/platform/http/app";
import { requireAuth } from "@surge/platform/http/auth";
import { positionHeader } from "@surge/platform/http/command-context";
import { createMetrics } from "@surge/platform/http/metrics";
import { jsonResponse, renderedText } from "@surge/platform/http/response-text";
import { listen } from "@surge/platform/http/server";
import { createTestContext, type TestContext } from "@surge/testkit/context";
import { bearer, http } from "@surge/testkit/http";
import { waitFor } from "@surge/testkit/wait";
import { commandGate } from "./command-gate.js";
import { idempotencyRecordKey } from "./idempotency.js";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

const FAILURE_KEEP_MS = 60_000;

/** The gate in front of a few routes that count how often they really run. */
function gateApp(limit = { perSecond: 100_000, burst: 100_000 }) {
  const app = createBaseApp({ title: "gate", logger: pino({ level: "silent" }), metrics: createMetrics("test"), dependencies: [] });
  // What the gate finds after the route: a response whose text was kept, or one it must read back.
  const kept: boolean[] = [];
  const probe: MiddlewareHandler = async (c, next) => {
    await next();
    kept.push(renderedText(c.res) !== undefined);
  };
  app.use(
    "/c/*",
    probe,
    requireAuth(new TokenVerifier({ key: { alg: "HS256", secret: ctx.jwtSecret }, clockSkewS: 5, maxTtlS: 86_400 })),
    commandGate(ctx.redis, {
      ...limit,
      failureKeepMs: FAILURE_KEEP_MS,
      secret: "gate-test-secret-0123456789",
      keyRequiredFor: (path) => path === "/c/required",
      tokenSpentByGuard: (path) => path === "/c/guarded",
    }),
  );
  const runs: Record<string, number> = {};
  const run = (name: string) => (runs[name] = (runs[name] ?? 0) + 1);
  let release: () => void = () => undefined;
  const released = new Promise<void>((r) => (release = r));

  for (const path of ["/c/echo", "/c/required"]) {
    app.post(path, async (c) => {
      const n = run(path);
      positionHeader(c, 100 + n);
      return jsonResponse(c, { run: n, got: (await c.req.json()) as unknown }, 201);
    });
  }
  // Stands for a route whose guard script spends the token: it reports what the gate left it.
  app.post("/c/guarded", (c) => {
    run("guarded");
    return jsonResponse(c, { pendingToken: c.get("pendingToken") ?? null }, 201);
  });
  app.post("/c/refuse", () => {
    run("refuse");
    throw new AppError("CONFLICT", "Not now.");
  });
  app.post("/c/crash", () => {
    run("crash");
    throw new Error("boom");
  });
  app.post("/c/slow", async (c) => {
    const n = run("slow");
    await released;
    positionHeader(c, 500 + n);
    return jsonResponse(c, { run: n }, 201);
  });
  // Answered without jsonResponse, headers set on the response itself: the gate reads it back whole.
  app.post("/c/plain", (c) => {
    const n = run("plain");
    c.header("Location", `/things/${n}`);
    c.header("X-Position", String(300 + n));
    return c.json({ run: n }, 201);
  });
  return { app, runs, release, kept };
}

type App = ReturnType<typeof gateApp>["app"];

async function post(app: App, user: string, path: string, body: unknown, key?: string) {
  const headers: Record<string, string> = { authorization: `Bearer ${await ctx.token(user)}`, "content-type": "application/json" };
  if (key !== undefined) headers["idempotency-key"] = key;
  const res = await app.request(path, { method: "POST", headers, body: JSON.stringify(body) });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe("command gate: rate limit", () => {
  it("answers 429 RATE_LIMITED with Retry-After once a user's burst is spent; other users go on", async () => {
    // A token every 100 s: the burst of 2 is all this test gets, however slow the machine.
    const { app, runs } = gateApp({ perSecond: 0.01, burst: 2 });
    expect((await post(app, "rl-1", "/c/echo", { i: 1 })).status).toBe(201);
    expect((await post(app, "rl-1", "/c/echo", { i: 2 }, "rl-key")).status).toBe(201);
    const limited = await post(app, "rl-1", "/c/echo", { i: 3 });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("content-type")).toBe("application/problem+json");
    expect(JSON.parse(limited.text)).toMatchObject({ status: 429, code: "RATE_LIMITED" });
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    // A keyed request spends a token too, and a limited one runs nothing.
    expect((await post(app, "rl-1", "/c/echo", { i: 4 }, "rl-key-2")).status).toBe(429);
    expect(runs["/c/echo"]).toBe(2);
    expect((await post(app, "rl-2", "/c/echo", { i: 1 })).status).toBe(201);
  });
});

describe("command gate: a token left to the guard", () => {
  it("an unkeyed request there passes with its token pending and the bucket untouched; a keyed one spends it at the gate", async () => {
    const { app, runs } = gateApp({ perSecond: 0.01, burst: 2 });
    const unkeyed = await post(app, "pt-1", "/c/guarded", {});
    expect(unkeyed.status).toBe(201);
    expect(JSON.parse(unkeyed.text)).toEqual({ pendingToken: { key: "rl:{pt-1}", perSecond: 0.01, burst: 2 } });
    expect(await ctx.redis.exists("rl:{pt-1}")).toBe(0);
    const keyed = await post(app, "pt-1", "/c/guarded", {}, "pt-key");
    expect(JSON.parse(keyed.text)).toEqual({ pendingToken: null });
    expect(Number(await ctx.redis.hget("rl:{pt-1}", "tokens"))).toBeCloseTo(1, 1);
    expect(runs["guarded"]).toBe(2);
  });
});

describe("command gate: Idempotency-Key", () => {
  it("answers a repeat with the first response, marked replayed, and runs nothing twice", async () => {
    const { app, runs, kept } = gateApp();
    const first = await post(app, "idem-1", "/c/echo", { a: 1 }, "k-1");
    // The route's own response reaches the gate, text kept: nothing is read back.
    expect(kept).toEqual([true]);
    expect(first.status).toBe(201);
    expect(first.headers.get("idempotency-replayed")).toBeNull();
    expect(first.headers.get("x-position")).toBe("101");
    for (let i = 0; i < 3; i++) {
      const again = await post(app, "idem-1", "/c/echo", { a: 1 }, "k-1");
      expect(again.status).toBe(201);
      expect(again.text).toBe(first.text);
      expect(again.headers.get("idempotency-replayed")).toBe("true");
      expect(again.headers.get("x-position")).toBe("101");
      expect(again.headers.get("content-type")).toBe("application/json");
    }
    expect(runs["/c/echo"]).toBe(1);
  });

  it("answers 422 IDEMPOTENCY_KEY_REUSED to the same key with another body or route; another user's key is their own", async () => {
    const { app, runs } = gateApp();
    expect((await post(app, "idem-2", "/c/echo", { a: 1 }, "k-2")).status).toBe(201);
    for (const [path, body] of [
      ["/c/echo", { a: 2 }],
      ["/c/required", { a: 1 }],
    ] as const) {
      const reused = await post(app, "idem-2", path, body, "k-2");
      expect(reused.status).toBe(422);
      expect(JSON.parse(reused.text)).toMatchObject({ code: "IDEMPOTENCY_KEY_REUSED" });
    }
    expect(runs["/c/echo"]).toBe(1);
    expect(runs["/c/required"]).toBeUndefined();
    expect((await post(app, "idem-3", "/c/echo", { a: 2 }, "k-2")).status).toBe(201);
    expect(runs["/c/echo"]).toBe(2);
  });

  it("answers 400 to a missing key where one is required, and to a key over 128 characters", async () => {
    const { app, runs } = gateApp();
    const missing = await post(app, "idem-4", "/c/required", { a: 1 });
    expect(missing.status).toBe(400);
    expect(JSON.parse(missing.text)).toMatchObject({ code: "VALIDATION_FAILED", errors: [{ path: "Idempotency-Key" }] });
    const long = await post(app, "idem-4", "/c/required", { a: 1 }, "k".repeat(129));
    expect(long.status).toBe(400);
    expect(JSON.parse(long.text)).toMatchObject({ code: "VALIDATION_FAILED", errors: [{ path: "Idempotency-Key" }] });
    expect(runs["/c/required"]).toBeUndefined();
    expect((await post(app, "idem-4", "/c/required", { a: 1 }, "k".repeat(128))).status).toBe(201);
  });

  it("keeps a 4xx answer for repeats, but not a 5xx: a retry after a failure really runs again", async () => {
    const { app, runs, kept } = gateApp();
    const refused = await post(app, "idem-5", "/c/refuse", {}, "k-5");
    const again = await post(app, "idem-5", "/c/refuse", {}, "k-5");
    expect([refused.status, again.status]).toEqual([409, 409]);
    expect(again.text).toBe(refused.text);
    expect(again.headers.get("content-type")).toBe("application/problem+json");
    expect(again.headers.get("idempotency-replayed")).toBe("true");
    expect(runs.refuse).toBe(1);
    expect(kept[0]).toBe(true);

    const crashed = await post(app, "idem-5", "/c/crash", {}, "k-6");
    const retried = await post(app, "idem-5", "/c/crash", {}, "k-6");
    expect([crashed.status, retried.status]).toEqual([500, 500]);
    expect(retried.headers.get("idempotency-replayed")).toBeNull();
    expect(runs.crash).toBe(2);
  });

  it("makes concurrent repeats wait for the first and answers them all alike: the route runs exactly once", async () => {
    const { app, runs, release } = gateApp();
    const all = Promise.all(Array.from({ length: 20 }, () => post(app, "idem-6", "/c/slow", { a: 1 }, "k-7")));
    await waitFor("the first of them to run the route", () => runs.slow === 1, { timeoutMs: 5000, everyMs: 10 });
    release();
    const answers = await all;
    expect(runs.slow).toBe(1);
    expect(new Set(answers.map((a) => `${a.status} ${a.headers.get("x-position")} ${a.text}`))).toEqual(new Set(['201 501 {"run":1}']));
    expect(answers.filter((a) => a.headers.get("idempotency-replayed") === "true")).toHaveLength(19);
  });

  it("reads back a response rendered without jsonResponse, Location and X-Position included", async () => {
    const { app, runs, kept } = gateApp();
    const first = await post(app, "idem-7", "/c/plain", {}, "k-8");
    expect(kept).toEqual([false]);
    const again = await post(app, "idem-7", "/c/plain", {}, "k-8");
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.text).toBe(first.text);
    expect(again.headers.get("location")).toBe("/things/1");
    expect(again.headers.get("x-position")).toBe("301");
    expect(again.headers.get("idempotency-replayed")).toBe("true");
    expect(runs.plain).toBe(1);
  });

  it("gets the route's kept text behind @hono/node-server too, and replays it", async () => {
    const { app, runs, kept } = gateApp();
    const server = await listen(app.fetch, 0, { hostname: "127.0.0.1" });
    try {
      const headers = { ...bearer(await ctx.token("idem-9")), "idempotency-key": "k-9" };
      const first = await http("POST", `${server.url}/c/echo`, { headers, body: { a: 1 } });
      const again = await http("POST", `${server.url}/c/echo`, { headers, body: { a: 1 } });
      expect([first.status, again.status]).toEqual([201, 201]);
      expect(again.text).toBe(first.text);
      expect(again.headers["x-position"]).toBe("101");
      expect(again.headers["idempotency-replayed"]).toBe("true");
      expect(kept[0]).toBe(true);
      expect(runs["/c/echo"]).toBe(1);
    } finally {
      await server.close();
    }
  });

  it("records nothing for a POST without a key where none is required", async () => {
    const { app, runs } = gateApp();
    await post(app, "idem-8", "/c/echo", { a: 1 });
    await post(app, "idem-8", "/c/echo", { a: 1 });
    expect(runs["/c/echo"]).toBe(2);
  });

  it("keeps a 4xx answer only failureKeepMs, so bad requests under fresh keys cannot fill Redis; a 2xx answer 24 h", async () => {
    const { app } = gateApp();
    expect((await post(app, "idem-9", "/c/refuse", {}, "k-409")).status).toBe(409);
    expect((await post(app, "idem-9", "/c/echo", {}, "k-201")).status).toBe(201);
    // The record is completed just after the response.
    const ttlOf = async (key: string) => {
      const record = idempotencyRecordKey("idem-9", key);
      for (let i = 0; i < 500 && !(await ctx.redis.hexists(record, "status")); i++) await new Promise((r) => setTimeout(r, 10));
      expect(await ctx.redis.hexists(record, "status"), key).toBe(1);
      return ctx.redis.pttl(record);
    };
    const failure = await ttlOf("k-409");
    expect(failure).toBeGreaterThan(0);
    expect(failure).toBeLessThanOrEqual(FAILURE_KEEP_MS);
    expect(await ttlOf("k-201")).toBeGreaterThan(24 * 3600_000 - FAILURE_KEEP_MS);
  });
});
