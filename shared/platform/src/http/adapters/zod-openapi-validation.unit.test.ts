import { describe, expect, it } from "vitest";
import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { pino } from "pino";
import { libraryPin } from "@surge/testkit/library-pin";
import type { AppEnv } from "../app.js";
import { errorHandler } from "../problem.js";
import { validationHook } from "../validation.js";
import { rememberValidation } from "./zod-openapi-validation.js";

const refusal = { content: { "application/json": { schema: z.object({ refused: z.string() }) } }, description: "refused by the route's hook" };

type HookKind = "default" | "route" | "none";
type Outcome = { success: boolean; target: string; data?: unknown; error?: { issues: unknown } };

/** The same routes on an app with the stock validators or with rememberValidation, recording what they see. */
function build(remember: boolean, hookKind: HookKind) {
  const seen = { outcomes: [] as Outcome[], parses: 0, middleware: 0 };
  const record = (outcome: Outcome) => {
    seen.outcomes.push(outcome);
    return outcome;
  };
  const app = new OpenAPIHono<AppEnv>(hookKind === "default" ? { defaultHook: (outcome) => validationHook(record(outcome as Outcome)) } : {});
  if (remember) rememberValidation(app);
  app.onError(errorHandler(pino({ level: "silent" })));
  const hook = (outcome: Outcome, c: Context) => {
    record(outcome);
    if (!outcome.success) return c.json({ refused: outcome.target }, 422);
  };

  const itemRoute = createRoute({
    method: "get",
    path: "/items/{id}",
    middleware: [
      async (c, next) => {
        seen.middleware++;
        await next();
        c.header("x-middleware", "ran");
      },
    ],
    request: {
      params: z.object({ id: z.string().min(2) }),
      query: z
        .object({
          n: z.coerce.number().int().min(1).default(1),
          tag: z.union([z.string(), z.array(z.string())]).optional(),
          q: z.string().optional(),
        })
        .refine(() => ++seen.parses > 0),
      headers: z.object({ "x-min-position": z.string().regex(/^\d+$/).optional() }),
    },
    responses: { 200: { content: { "application/json": { schema: z.looseObject({}) } }, description: "ok" }, 422: refusal },
  });
  app.openapi(
    itemRoute,
    (c) => c.json({ param: c.req.valid("param"), query: c.req.valid("query"), header: c.req.valid("header") }, 200),
    hookKind === "route" ? hook : undefined,
  );

  // A body: rememberValidation leaves the whole route to the stock validators.
  const thingRoute = createRoute({
    method: "post",
    path: "/things",
    request: {
      query: z.object({ dry: z.enum(["yes", "no"]).default("no") }),
      body: { required: true, content: { "application/json": { schema: z.strictObject({ name: z.string().min(1) }) } } },
    },
    responses: { 201: { content: { "application/json": { schema: z.looseObject({}) } }, description: "ok" }, 422: refusal },
  });
  app.openapi(thingRoute, (c) => c.json({ query: c.req.valid("query"), body: c.req.valid("json") }, 201), hookKind === "route" ? hook : undefined);
  return { app, seen };
}

const requests: Array<[string, RequestInit?]> = [
  ["/items/ab?n=3&q=x"],
  ["/items/ab"],
  ["/items/ab?tag=a&tag=b&n=2"],
  ["/items/ab?q=%E2%82%AC%20%26"],
  ["/items/a"],
  ["/items/ab?n=0"],
  ["/items/ab?n=zz"],
  ["/items/ab", { headers: { "X-Min-Position": "12" } }],
  ["/items/ab", { headers: { "x-min-position": "x1" } }],
  ["/items/ab?n=3&q=x"],
  ["/items/ab?n=0"],
  ["/things?dry=yes", { method: "POST", headers: { "content-type": "application/json" }, body: '{"name":"a"}' }],
  ["/things", { method: "POST", headers: { "content-type": "application/json" }, body: '{"name":""}' }],
  ["/things?dry=maybe", { method: "POST", headers: { "content-type": "application/json" }, body: '{"name":"a"}' }],
];

async function answers(app: OpenAPIHono<AppEnv>) {
  const out = [];
  for (const [path, init] of requests) {
    const res = await app.request(path, init);
    out.push({ path, status: res.status, type: res.headers.get("content-type"), middleware: res.headers.get("x-middleware"), body: await res.text() });
  }
  return out;
}

/**
 * What a hook learns. A failed header check is the one known difference: the stock validator hands
 * the hook every request header as `data`, the remembered check only the schema's; Surge's hook
 * reads only the error.
 */
const comparable = (o: Outcome) => ({
  success: o.success,
  target: o.target,
  issues: o.error?.issues,
  ...(o.success || o.target !== "header" ? { data: o.data } : {}),
});

describe("rememberValidation over @hono/zod-openapi", () => {
  it("is the exact @hono/zod-openapi version this adapter was checked against", () => {
    const { installed, pinned } = libraryPin("@hono/zod-openapi", import.meta.url);
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    expect(installed).toBe(pinned);
  });

  for (const hookKind of ["default", "route", "none"] as const) {
    it(`answers every request as the stock validators do (${hookKind} hook), and hooks see the same outcomes`, async () => {
      const stock = build(false, hookKind);
      const remembered = build(true, hookKind);
      const expected = await answers(stock.app);
      expect(await answers(remembered.app)).toEqual(expected);
      expect(remembered.seen.outcomes.map(comparable)).toEqual(stock.seen.outcomes.map(comparable));
      expect(remembered.seen.middleware).toBe(stock.seen.middleware);
      // The cases cover what they claim: successes, each kind of refusal, the route's middleware.
      const refused = hookKind === "route" ? 422 : 400;
      expect(expected.map((a) => a.status)).toEqual([200, 200, 200, 200, refused, refused, refused, 200, refused, 200, refused, 201, refused, refused]);
      expect(expected[0]!.middleware).toBe("ran");
    });
  }

  it("parses a query it has seen once, however often it comes again", async () => {
    const stock = build(false, "default");
    const remembered = build(true, "default");
    for (let i = 0; i < 5; i++) {
      for (const { app } of [stock, remembered]) expect((await app.request("/items/ab?n=4")).status).toBe(200);
    }
    expect(stock.seen.parses).toBe(5);
    expect(remembered.seen.parses).toBe(1);
  });

  it("leaves the OpenAPI document as the stock openapi() writes it", () => {
    const info = { openapi: "3.1.0", info: { title: "t", version: "1" } };
    expect(build(true, "default").app.getOpenAPI31Document(info)).toEqual(build(false, "default").app.getOpenAPI31Document(info));
  });
});
