import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createRoute, z } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import { pino } from "pino";
import { AppError, unavailable } from "../errors.js";
import { createBaseApp, MAX_BODY_BYTES } from "./app.js";
import { createMetrics } from "./metrics.js";
import { listen, type RunningServer } from "./server.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The base app with a few routes to exercise its frame, and what its logger wrote. */
function testApp() {
  const logged: Array<Record<string, unknown>> = [];
  const logger = pino({ level: "info" }, { write: (line: string) => void logged.push(JSON.parse(line) as Record<string, unknown>) });
  const app = createBaseApp({ title: "test", logger, metrics: createMetrics("test"), dependencies: [] });
  const ran = { echo: 0 };
  app.get("/id", (c) => c.text(c.get("requestId")));
  app.post("/echo", async (c) => {
    ran.echo++;
    return c.text(await c.req.text());
  });
  app.get("/crash", () => {
    throw new Error("SELECT card_no FROM vault WHERE id = 1");
  });
  app.get("/sold-out", () => {
    throw new AppError("SOLD_OUT", "Nothing left.", { extra: { dealId: "d1" } });
  });
  app.get("/down", () => {
    throw unavailable("Redis is not answering.");
  });
  app.get("/http-401", () => {
    throw new HTTPException(401, { message: "Who are you?" });
  });
  const things = createRoute({
    method: "post",
    path: "/things",
    request: { body: { required: true, content: { "application/json": { schema: z.strictObject({ name: z.string().min(1) }) } } } },
    responses: { 201: { content: { "application/json": { schema: z.object({ name: z.string() }) } }, description: "ok" } },
  });
  app.openapi(things, (c) => c.json(c.req.valid("json"), 201));
  return { app, logged, ran };
}

const problemOf = async (res: Response) => {
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  return (await res.json()) as Record<string, unknown>;
};

describe("request id", () => {
  const { app } = testApp();

  it("makes one up, a fresh UUID per request, and says it on the response", async () => {
    const [a, b] = [await app.request("/id"), await app.request("/id")];
    const id = a.headers.get("x-request-id");
    expect(id).toMatch(UUID);
    expect(await a.text()).toBe(id);
    expect(b.headers.get("x-request-id")).toMatch(UUID);
    expect(b.headers.get("x-request-id")).not.toBe(id);
  });

  it("echoes a caller's sane X-Request-Id, up to 255 characters", async () => {
    for (const given of ["abc-DEF_123=", "h".repeat(255)]) {
      const res = await app.request("/id", { headers: { "X-Request-Id": given } });
      expect(res.headers.get("x-request-id")).toBe(given);
      expect(await res.text()).toBe(given);
    }
  });

  it("replaces one that is too long or has other characters", async () => {
    for (const given of ["h".repeat(256), "two words", "semi;colon", "ünï"]) {
      const res = await app.request("/id", { headers: { "X-Request-Id": given } });
      expect(res.headers.get("x-request-id")).toMatch(UUID);
      expect(await res.text()).toBe(res.headers.get("x-request-id"));
    }
  });

  it("is on error responses too", async () => {
    const res = await app.request("/no-such-route", { headers: { "X-Request-Id": "trace-404" } });
    expect(res.status).toBe(404);
    expect(res.headers.get("x-request-id")).toBe("trace-404");
  });
});

describe("body limit", () => {
  const { app, ran } = testApp();
  beforeEach(() => {
    ran.echo = 0;
  });

  /** A body without Content-Length, as a chunked upload arrives. */
  const streamed = (bytes: number) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        for (let left = bytes; left > 0; left -= 1024) controller.enqueue(new Uint8Array(Math.min(1024, left)).fill(120));
        controller.close();
      },
    });

  it(`takes a body of exactly ${MAX_BODY_BYTES} bytes`, async () => {
    const body = "x".repeat(MAX_BODY_BYTES);
    const res = await app.request("/echo", { method: "POST", body, headers: { "content-length": String(MAX_BODY_BYTES) } });
    expect(res.status).toBe(200);
    expect((await res.text()).length).toBe(MAX_BODY_BYTES);
  });

  it("answers 413 problem+json to a declared Content-Length over the limit, before the route runs", async () => {
    const body = "x".repeat(MAX_BODY_BYTES + 1);
    const res = await app.request("/echo", { method: "POST", body, headers: { "content-length": String(MAX_BODY_BYTES + 1) } });
    expect(res.status).toBe(413);
    expect(await problemOf(res)).toMatchObject({ status: 413, code: "PAYLOAD_TOO_LARGE", type: "urn:surge:problem:payload-too-large" });
    expect(ran.echo).toBe(0);
  });

  it("counts a body of unknown length as it streams in", async () => {
    const over = await app.request("/echo", { method: "POST", body: streamed(MAX_BODY_BYTES + 1), duplex: "half" } as RequestInit);
    expect(over.status).toBe(413);
    expect(await problemOf(over)).toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
    const under = await app.request("/echo", { method: "POST", body: streamed(2000), duplex: "half" } as RequestInit);
    expect(under.status).toBe(200);
    expect((await under.text()).length).toBe(2000);
  });

  it("does not stand in the way of GET", async () => {
    const res = await app.request("/id", { headers: { "content-length": String(MAX_BODY_BYTES * 2) } });
    expect(res.status).toBe(200);
  });
});

describe("body limit and body reading behind @hono/node-server", () => {
  const { app, ran } = testApp();
  let server: RunningServer;
  beforeAll(async () => {
    server = await listen(app.fetch, 0, { hostname: "127.0.0.1" });
  });
  afterAll(() => server.close());

  const send = (body: string, chunked: boolean) =>
    new Promise<{ status: number; text: string; type: string | undefined }>((resolve, reject) => {
      const headers: Record<string, string> = { "content-type": "text/plain" };
      if (!chunked) headers["content-length"] = String(Buffer.byteLength(body));
      const req = httpRequest(`${server.url}/echo`, { method: "POST", headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8"), type: res.headers["content-type"] }));
      });
      // The server may answer 413 and close before the whole body is sent.
      req.on("error", reject);
      for (let at = 0; at < body.length; at += 8192) req.write(body.slice(at, at + 8192));
      req.end();
    });

  it("reads a body of known length in full, and one sent chunked", async () => {
    const body = "é".repeat(10_000);
    expect(await send(body, false)).toMatchObject({ status: 200, text: body });
    expect(await send(body, true)).toMatchObject({ status: 200, text: body });
  });

  it("answers 413 problem+json over the limit, declared or chunked", async () => {
    const before = ran.echo;
    for (const chunked of [false, true]) {
      const res = await send("x".repeat(MAX_BODY_BYTES + 10), chunked);
      expect(res.status).toBe(413);
      expect(res.type).toBe("application/problem+json");
      expect(JSON.parse(res.text)).toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
    }
    expect(ran.echo).toBe(before);
  });
});

describe("error handler", () => {
  const { app, logged } = testApp();
  beforeEach(() => {
    logged.length = 0;
  });

  it("answers an unexpected failure with a 500 problem that leaks nothing, and logs it with the request id", async () => {
    const res = await app.request("/crash", { headers: { "X-Request-Id": "trace-500" } });
    expect(res.status).toBe(500);
    const text = await res.clone().text();
    expect(await problemOf(res)).toEqual({
      type: "urn:surge:problem:internal",
      title: "Internal",
      status: 500,
      code: "INTERNAL",
      detail: "An unexpected error occurred.",
    });
    for (const leak of ["SELECT", "vault", "stack", "Error", ".ts"]) expect(text).not.toContain(leak);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 50, msg: "request failed", path: "/crash", requestId: "trace-500" });
    expect(JSON.stringify(logged[0])).toContain("SELECT card_no FROM vault");
  });

  it("answers a domain error with its own status, code and extra members, without logging it", async () => {
    const res = await app.request("/sold-out");
    expect(res.status).toBe(409);
    expect(await problemOf(res)).toEqual({
      type: "urn:surge:problem:sold-out",
      title: "Sold out",
      status: 409,
      code: "SOLD_OUT",
      detail: "Nothing left.",
      dealId: "d1",
    });
    expect(logged).toHaveLength(0);
  });

  it("says Retry-After on 503", async () => {
    const res = await app.request("/down");
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("1");
    expect(await problemOf(res)).toMatchObject({ code: "UNAVAILABLE", detail: "Redis is not answering." });
  });

  it("maps hono's HTTPException onto the same codes", async () => {
    const res = await app.request("/http-401");
    expect(res.status).toBe(401);
    expect(await problemOf(res)).toMatchObject({ code: "UNAUTHENTICATED", detail: "Who are you?" });
  });

  it("answers bad input with 400 VALIDATION_FAILED naming the fields", async () => {
    const post = (body: string) => app.request("/things", { method: "POST", body, headers: { "content-type": "application/json" } });
    const empty = await post('{"name":""}');
    expect(empty.status).toBe(400);
    expect(await problemOf(empty)).toMatchObject({ code: "VALIDATION_FAILED", errors: [{ path: "name" }] });
    const unknown = await post('{"name":"a","extra":1}');
    expect(unknown.status).toBe(400);
    expect(await problemOf(unknown)).toMatchObject({ code: "VALIDATION_FAILED", errors: [{ path: "extra" }] });
    const malformed = await post('{"name":');
    expect(malformed.status).toBe(400);
    expect(await problemOf(malformed)).toMatchObject({ code: "VALIDATION_FAILED" });
    expect((await post('{"name":"a"}')).status).toBe(201);
  });

  it("answers an unknown route with 404 problem+json", async () => {
    const res = await app.request("/nowhere");
    expect(res.status).toBe(404);
    expect(await problemOf(res)).toMatchObject({ status: 404, code: "NOT_FOUND" });
  });
});
