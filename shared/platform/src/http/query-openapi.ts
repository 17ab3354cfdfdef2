import { createRoute, z } from "@hono/zod-openapi";
import { minPositionHeader, projectionHeaders } from "./read-your-writes.js";

export const problem = {
  content: { "application/problem+json": { schema: z.object({ code: z.string(), detail: z.string() }).passthrough() } },
  description: "Problem",
};
export const security = [{ bearer: [] }];

/** Request headers every query route accepts. */
export const queryHeaders = z.object({ "x-min-position": minPositionHeader.optional() });

/** Request headers of the public reads: they also answer conditional requests (see http/cache.ts). */
export const publicHeaders = queryHeaders.extend({
  "if-none-match": z.string().max(1024).optional().openapi({ description: "An ETag this route sent; 304 while the body is unchanged" }),
});

/** The public reads' answer to a matching If-None-Match: no body, the same ETag and Cache-Control. */
export const notModified = { description: "Not modified: the ETag in If-None-Match is current" };

/** A read's 200: the body, with the projection headers every query response carries. */
export const readBody = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { "application/json": { schema } },
  headers: projectionHeaders,
  description,
});

/** A keyset page of `item` (limit and cursor in the query). */
export const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

/** The answers of a public list or ranking: its body, 304 to a current ETag, and its problems. */
export const publicRead = <T extends z.ZodType>(schema: T, description: string) => ({
  200: readBody(schema, description),
  304: notModified,
  400: problem,
  503: problem,
});

/** The same for one resource by id, which may not exist. */
export const publicLookup = <T extends z.ZodType>(schema: T, description: string) => ({ ...publicRead(schema, description), 404: problem });

/** The `{name}` parameters of a route path, e.g. "couponId" of "/coupons/{couponId}". */
type PathParams<S extends string> = S extends `${string}{${infer P}}${infer R}` ? P | PathParams<R> : never;
type IdParams<S extends string> = z.ZodObject<{ [K in PathParams<S>]: z.ZodString }>;

/** An id in a path: what every store id and key fits in. */
const idParam = () => z.string().min(1).max(64);

/** GET of one public resource by the id(s) in its path, each validated as an id. */
export const publicLookupRoute = <S extends string, T extends z.ZodType>(path: S, tag: string, body: T, description: string) => {
  const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
  const params = z.object(Object.fromEntries(names.map((name) => [name, idParam()]))) as unknown as IdParams<S>;
  return createRoute({ method: "get", path, tags: [tag], request: { params, headers: publicHeaders }, responses: publicLookup(body, description) });
};

/** GET of a public keyset-paged list; `query` holds its filters, limit and cursor. */
export const publicPageRoute = <Q extends z.ZodObject, T extends z.ZodType>(r: {
  path: string;
  tag: string;
  query: Q;
  item: T;
  description: string;
  summary?: string;
}) =>
  createRoute({
    method: "get",
    path: r.path,
    tags: [r.tag],
    ...(r.summary === undefined ? {} : { description: r.summary }),
    request: { query: r.query, headers: publicHeaders },
    responses: publicRead(page(r.item), r.description),
  });
