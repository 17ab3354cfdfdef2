/**
 * Buckets for "what was this sample doing", matched against `functionName url` of each frame from
 * the leaf up; the first match wins. Generic node core (streams, net, events) matches nothing, so a
 * socket write is billed to whoever wrote: the HTTP server, mysql2 or ioredis. Shared helpers
 * (denque is used by both database clients) match nothing for the same reason.
 */
export const CONCERNS: Array<[label: string, pattern: RegExp]> = [
  ["JWT verify (hono/jwt on WebCrypto)", /hono\/dist\/utils\/jwt\/|node:internal\/crypto\/(webcrypto|util|keys|mac|webidl|hash)|http\/auth\.ts/],
  [
    "fetch Request materialized (undici Request, web streams, AbortSignal)",
    /node:internal\/deps\/undici|node:internal\/webstreams|node:internal\/abort_controller|body-limit/,
  ],
  [
    "MySQL (event store, kysely, mysql2)",
    /\/node_modules\/(kysely|mysql2|sql-escaper|lru\.min|named-placeholders|generate-function|long)\/|\/eventstore\/|\/src\/db\//,
  ],
  [
    "Redis (guard, ioredis)",
    /\/node_modules\/(ioredis|redis-parser|cluster-key-slot|standard-as-callback|redis-errors)\/|\/guards?\/|coupons\/guard\.ts|http\/rate-limit\.ts/,
  ],
  ["metrics (prom-client)", /\/node_modules\/(prom-client|tdigest|bintrees)\/|http\/metrics\.ts/],
  ["zod / zod-openapi validation", /\/node_modules\/(zod|@hono\/zod-openapi|@hono\/zod-validator|@asteasolutions)\//],
  ["ids (uuid v7, request ids)", /\/node_modules\/uuid\/|node:internal\/crypto\/random|domain\/ids\.ts|request-id/],
  ["logging (pino)", /\/node_modules\/(pino|sonic-boom|thread-stream)/],
  ["hono routing and middleware", /\/node_modules\/hono\//],
  ["HTTP server (node:http, @hono/node-server)", /node:_http_|node:http|@hono\/node-server/],
  ["claim logic (command-api, shared domain)", /\/(command-api|shared)\/src\//],
];

export const UNMATCHED = "other node core (event loop, microtasks, timers)";
