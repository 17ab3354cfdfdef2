import { randomUUID } from "node:crypto";
import { OpenAPIHono } from "@hono/zod-openapi";
import { swaggerUI } from "@hono/swagger-ui";
import { bodyLimit } from "hono/body-limit";
import { routePath } from "hono/route";
import type { Logger } from "pino";
import { AppError } from "../errors.js";
import type { AuthUser } from "./auth.js";
import type { Metrics } from "./metrics.js";
import type { PendingToken } from "../redis/token-bucket.js";
import { corsFor } from "./cors.js";
import { readBodyFromNode } from "./adapters/hono-body-cache.js";
import { applyPendingHeaders, nodeRequest, requestHeader, responseHeader } from "./node-headers.js";
import { errorHandler, problemResponse } from "./problem.js";
import { validationHook } from "./validation.js";

/**
 * requestHash: set by the idempotency middleware for a keyed request (see CommandContext).
 * pendingToken: the rate-limit token the command gate left to the route's guard script (see CommandContext).
 * projectionPosition: set by readModel on query paths (read-your-writes); read it with projectionPositionOf.
 */
export type AppEnv = {
  Variables: { user: AuthUser; requestId: string; requestHash?: string; pendingToken?: PendingToken; projectionPosition?: number };
};

export interface Dependency {
  name: string;
  check: () => Promise<unknown>;
}

export interface BaseAppOptions {
  title: string;
  logger: Logger;
  metrics: Metrics;
  dependencies: Dependency[];
  /** CORS_ORIGINS: origins that get CORS headers, preflight included (see corsFor). */
  corsOrigins?: readonly string[];
}

export const MAX_BODY_BYTES = 64 * 1024;

async function probe(dep: Dependency): Promise<string | null> {
  try {
    await Promise.race([dep.check(), new Promise((_, reject) => setTimeout(() => reject(new Error("timeout")), 1000))]);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

const REQUEST_ID = /^[\w\-=]{1,255}$/;

/**
 * The frame every Surge HTTP app shares: request ids, body limit, metrics, health/ready/metrics,
 * OpenAPI and Swagger UI, 404 and error rendering as problem+json. Apps add their routes to it.
 */
export function createBaseApp({ title, logger, metrics, dependencies, corsOrigins = [] }: BaseAppOptions) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  // Request id (a caller's own X-Request-Id when it is sane, as hono's requestId accepts) and
  // metrics in one middleware: every request passes here, so it stays small.
  app.use(async (c, next) => {
    const start = performance.now();
    const given = requestHeader(c, "x-request-id");
    const id = given !== undefined && REQUEST_ID.test(given) ? given : randomUUID();
    c.set("requestId", id);
    responseHeader(c, "X-Request-Id", id);
    await next();
    applyPendingHeaders(c);
    metrics.http.record(c.req.method, routePath(c), c.res.status, (performance.now() - start) / 1000);
  });
  // Before everything else an app adds: a preflight is answered without a token.
  const cors = corsFor(corsOrigins);
  if (cors) app.use(cors);
  const limitBody = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new AppError("PAYLOAD_TOO_LARGE", `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`);
    },
  });
  // bodyLimit reads `c.req.raw.body`, which makes @hono/node-server build a full undici Request
  // (AbortSignal, web streams) per request: a quarter of query-api's CPU and a tenth of a claim's.
  // A declared Content-Length is checked from the header alone; only a body of unknown length
  // (chunked) is counted as it streams in. Registered only for the methods whose routes read a
  // body: GET and HEAD skip this step entirely, one middleware fewer on every read.
  app.on(["POST", "PUT", "PATCH", "DELETE", "OPTIONS"], "*", (c, next) => {
    const length = requestHeader(c, "content-length");
    if (length === undefined || requestHeader(c, "transfer-encoding") !== undefined) return limitBody(c, next);
    if (Number(length) > MAX_BODY_BYTES) throw new AppError("PAYLOAD_TOO_LARGE", `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`);
    // Reading Node's own stream skips the fetch Request (see the adapter).
    const incoming = nodeRequest(c);
    if (incoming && Number(length) > 0) readBodyFromNode(c, incoming);
    return next();
  });

  app.get("/health", (c) => c.json({ status: "ok" }));
  app.get("/ready", async (c) => {
    const results = await Promise.all(dependencies.map(async (d) => [d.name, await probe(d)] as const));
    const down = results.filter(([, err]) => err !== null);
    const body = { status: down.length === 0 ? "ready" : "unavailable", down: Object.fromEntries(down) };
    return c.json(body, down.length === 0 ? 200 : 503);
  });
  app.get("/metrics", async (c) => c.text(await metrics.registry.metrics(), 200, { "content-type": metrics.registry.contentType }));
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer", bearerFormat: "JWT" });
  app.doc31("/openapi.json", { openapi: "3.1.0", info: { title, version: "1.0.0" } });
  app.get("/docs", swaggerUI({ url: "/openapi.json" }));

  app.notFound(() => problemResponse(new AppError("NOT_FOUND", "No such route.")));
  app.onError(errorHandler(logger));
  return app;
}

export type BaseApp = ReturnType<typeof createBaseApp>;
