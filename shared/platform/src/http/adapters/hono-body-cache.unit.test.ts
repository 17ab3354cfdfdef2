import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Hono } from "hono";
import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { libraryPin } from "@surge/testkit/library-pin";
import { listen, type RunningServer } from "../server.js";
import { nodeRequest } from "../node-headers.js";
import { provideBodyText, readBodyFromNode } from "./hono-body-cache.js";

const post = (body: string) => ({ method: "POST", body, headers: { "content-type": "application/json" } });

describe("hono's request body cache, as hono-body-cache.ts uses it", () => {
  it("is the exact hono version this adapter was checked against", () => {
    const { installed, pinned } = libraryPin("hono", import.meta.url);
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    expect(installed).toBe(pinned);
  });

  it("answers text() and json(), again and again, from the provided text, never from the request's own body", async () => {
    const app = new Hono();
    app.use((c, next) => {
      provideBodyText(c, Promise.resolve('{"from":"cache"}'));
      return next();
    });
    app.post("/", async (c) => c.json({ text: await c.req.text(), json: (await c.req.json()) as unknown, again: (await c.req.json()) as unknown }));
    const res = await app.request("/", post('{"from":"request"}'));
    expect(await res.json()).toEqual({ text: '{"from":"cache"}', json: { from: "cache" }, again: { from: "cache" } });
  });

  it("feeds zod-openapi's json validator, waiting for text that is still being read", async () => {
    const app = new OpenAPIHono();
    let arrive: (text: string) => void = () => undefined;
    app.use((c, next) => {
      provideBodyText(c, new Promise<string>((resolve) => (arrive = resolve)));
      setTimeout(() => arrive('{"n":7}'), 5);
      return next();
    });
    const route = createRoute({
      method: "post",
      path: "/",
      request: { body: { required: true, content: { "application/json": { schema: z.object({ n: z.number() }) } } } },
      responses: { 200: { content: { "application/json": { schema: z.object({ n: z.number() }) } }, description: "ok" } },
    });
    app.openapi(route, (c) => c.json(c.req.valid("json"), 200));
    const res = await app.request("/", post('{"n":1}'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ n: 7 });
  });
});

describe("readBodyFromNode behind @hono/node-server", () => {
  let server: RunningServer;
  const seen: Array<boolean> = [];

  beforeAll(async () => {
    const app = new OpenAPIHono();
    app.use((c, next) => {
      const incoming = nodeRequest(c);
      seen.push(incoming !== undefined);
      if (incoming) readBodyFromNode(c, incoming);
      return next();
    });
    const route = createRoute({
      method: "post",
      path: "/",
      request: { body: { required: true, content: { "application/json": { schema: z.object({ s: z.string() }) } } } },
      responses: { 200: { content: { "application/json": { schema: z.object({ length: z.number() }) } }, description: "ok" } },
    });
    app.openapi(route, (c) => c.json({ length: c.req.valid("json").s.length }, 200));
    server = await listen(app.fetch, 0, { hostname: "127.0.0.1" });
  });
  afterAll(() => server.close());

  it("hands the validator the whole body, read from Node's stream in many chunks", async () => {
    // Several TCP chunks, multi-byte characters split across them.
    const s = "ÿ€".repeat(20_000);
    const body = JSON.stringify({ s });
    const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpRequest(
        `${server.url}/`,
        { method: "POST", headers: { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
        },
      );
      req.on("error", reject);
      for (let at = 0; at < body.length; at += 4096) req.write(body.slice(at, at + 4096));
      req.end();
    });
    expect(seen).toEqual([true]);
    expect(answer).toEqual({ status: 200, text: JSON.stringify({ length: s.length }) });
  });
});
