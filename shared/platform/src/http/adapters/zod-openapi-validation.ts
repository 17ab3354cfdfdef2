import { z, type OpenAPIHono, type RouteConfig } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import { requestHeader } from "../node-headers.js";
import { type AppEnv } from "../app.js";

type Target = "query" | "param" | "header";
type Result = { success: true; data: unknown } | { success: false; error: unknown };
/** What a validation hook receives, as @hono/zod-validator builds it. */
type Outcome = Result & { data: unknown; target: Target };
type Hook = (outcome: Outcome, c: Context) => unknown;

/** Distinct inputs remembered per route and target; beyond it they are forgotten all at once. */
const MAX_REMEMBERED = 1024;

/**
 * One part of a request checked against its schema, with the outcome for every distinct input it
 * has seen: the schemas of these routes are pure (same input, same output), so a hot query string
 * is parsed and validated once, not on every request. The data is frozen, since requests share it.
 */
class Check {
  private readonly seen = new Map<unknown, Outcome>();

  constructor(
    readonly target: Target,
    private readonly schema: z.ZodType,
    /** The part of the request that decides the outcome, cheap to take on every request. */
    readonly keyOf: (c: Context) => unknown,
    /** The value the schema parses, as @hono/zod-validator would hand it over. */
    private readonly inputOf: (c: Context) => unknown,
  ) {}

  outcome(c: Context, key: unknown): Outcome | Promise<Outcome> {
    return this.seen.get(key) ?? this.learn(c, key);
  }

  private async learn(c: Context, key: unknown): Promise<Outcome> {
    const input = this.inputOf(c);
    const result = await this.schema.safeParseAsync(input);
    const outcome = { data: input, ...result, target: this.target } as Outcome;
    if (outcome.success) deepFreeze(outcome.data);
    if (this.seen.size >= MAX_REMEMBERED) this.seen.clear();
    this.seen.set(key, outcome);
    return outcome;
  }
}

function deepFreeze(value: unknown): void {
  if (typeof value !== "object" || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const inner of Object.values(value)) deepFreeze(inner);
}

/** The keys of a plain (stripping) object schema; undefined for any other schema. */
function keysOf(schema: z.ZodType): string[] | undefined {
  return schema instanceof z.ZodObject && schema.def.catchall === undefined ? Object.keys(schema.shape) : undefined;
}

function queryCheck(schema: z.ZodType): Check {
  return new Check(
    "query",
    schema,
    (c) => {
      const url = c.req.url;
      const at = url.indexOf("?");
      return at < 0 ? "" : url.slice(at + 1);
    },
    // As hono's validator reads a query: one value as a string, a repeated key as an array.
    (c) => Object.fromEntries(Object.entries(c.req.queries()).map(([k, v]) => (v.length === 1 ? [k, v[0]] : [k, v]))),
  );
}

/**
 * Params or headers checked by the schema's own keys only: for a stripping object schema the
 * outcome is the same as with every param or header, which hono would collect into a fresh object
 * (headers through an undici Headers) on every request.
 */
function namedCheck(target: "param" | "header", schema: z.ZodType): Check | undefined {
  const keys = keysOf(schema);
  if (!keys) return undefined;
  const read = target === "param" ? (c: Context, key: string) => c.req.param(key) : (c: Context, key: string) => requestHeader(c, key.toLowerCase());
  const values = (c: Context) => keys.map((key) => read(c, key));
  return new Check(target, schema, keys.length === 1 ? (c) => read(c, keys[0]!) : (c) => JSON.stringify(values(c)), (c) =>
    Object.fromEntries(values(c).flatMap((value, i) => (value === undefined ? [] : [[keys[i]!, value]]))),
  );
}

type Handler = (c: Context) => unknown;

/**
 * The handler behind the checks, run in @hono/zod-openapi's order, with the data recorded for
 * `c.req.valid()` as its validators do. One function rather than a middleware per target: each
 * level of hono's middleware chain costs a promise and a closure on every request.
 */
function validating(checks: Check[], hook: Hook | undefined, handler: Handler): Handler {
  return async (c) => {
    for (const check of checks) {
      const pending = check.outcome(c, check.keyOf(c));
      const outcome = pending instanceof Promise ? await pending : pending;
      if (hook) {
        let answer = hook(outcome, c);
        if (answer instanceof Promise) answer = await answer;
        if (answer instanceof Response) return answer;
        if (answer && typeof answer === "object" && "response" in answer) return answer.response;
      }
      // Without a hook, the answer @hono/zod-validator gives: the parse result alone.
      if (!outcome.success) return c.json({ success: false, error: outcome.error }, 400);
      c.req.addValidatedData(check.target, outcome.data as object);
    }
    return handler(c);
  };
}

type OpenApiConfig = RouteConfig & { middleware?: MiddlewareHandler | MiddlewareHandler[]; hide?: boolean };
/** `app.openapi` as this adapter sees it: the route is known only at run time, so its types cannot follow. */
type UntypedOpenApi = (config: OpenApiConfig, handler: Handler, hook?: unknown) => unknown;

/**
 * Makes `app.openapi()` validate a route's query, path params and headers through remembered
 * checks instead of @hono/zod-validator's, which build every param and header into a new object
 * and parse the query string again on each request (about a fifth of query-api's CPU on a cached
 * ranking; a minimal ranking-shaped route takes 1.7 times the CPU with the stock validators). The
 * OpenAPI document is unchanged. Routes with a body or cookies, or with a schema other than a
 * plain object for params or headers, keep the stock validators.
 *
 * The one place that replaces a library method: it relies on how @hono/zod-openapi's `openapi`
 * registers a route (`hide` skips the document, the rest is `registerPath` plus validators in
 * front of the handler) and on what @hono/zod-validator hands a hook. @hono/zod-openapi is pinned
 * to the exact version (every package.json) that zod-openapi-validation.unit.test.ts compares this
 * with, request by request, against the stock validators.
 */
export function rememberValidation(app: OpenAPIHono<AppEnv>): void {
  const openapi = app.openapi as unknown as UntypedOpenApi;
  const hookOf = (hook: unknown) => (hook ?? app.defaultHook) as Hook | undefined;
  const remembering: UntypedOpenApi = (config, handler, hook) => {
    const { middleware, hide, ...route } = config;
    const { query, params, headers, ...rest } = route.request ?? {};
    const checks: Array<Check | undefined> = [];
    if (query) checks.push(queryCheck(query));
    if (params) checks.push(namedCheck("param", params));
    if (headers) checks.push(Array.isArray(headers) ? undefined : namedCheck("header", headers));
    if (rest.body || rest.cookies || checks.length === 0 || checks.includes(undefined)) return openapi(config, handler, hook);
    if (!hide) app.openAPIRegistry.registerPath(route);
    const stripped = { ...route, middleware, hide: true, request: rest };
    return openapi(stripped, validating(checks as Check[], hookOf(hook), handler), hook);
  };
  app.openapi = remembering as unknown as typeof app.openapi;
}
