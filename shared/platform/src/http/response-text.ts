import type { Context, TypedResponse } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { InvalidJSONValue, JSONParsed, JSONValue } from "hono/utils/types";

/**
 * The text of every response rendered here, by response. The command gate keeps a keyed request's
 * answer for its repeats: reading it back from the Response (`clone().text()`) builds a full fetch
 * Response and makes @hono/node-server stream the body out instead of writing the string: it
 * nearly tripled the CPU of a minimal keyed POST, where a look-up here adds nothing measurable.
 */
const TEXT = Symbol("renderedText");
// A property of the response itself, not a WeakMap entry: every command response is kept, and a
// WeakMap set per response (an ephemeron for the collector to trace) was a visible share of a claim.
type WithText = Response & { [TEXT]?: string };

/** The body of a response rendered by jsonResponse, jsonTextResponse or problemResponse. */
export const renderedText = (res: Response): string | undefined => (res as WithText)[TEXT];

export function keepText<R extends Response>(res: R, text: string): R {
  (res as WithText)[TEXT] = text;
  return res;
}

declare const jsonOf: unique symbol;
/** JSON text that knows what it encodes, so a body serialized ahead keeps its route's typing. */
export type JsonText<T> = string & { readonly [jsonOf]: T };

type Jsonable = JSONValue | object | InvalidJSONValue;
type JsonResponse<T, S extends ContentfulStatusCode> = Response & TypedResponse<JSONParsed<T>, S, "json">;

export const toJsonText = <T extends Jsonable>(value: T) => JSON.stringify(value) as JsonText<T>;

/** A JSON body serialized ahead (rendered once for many requests), typed as `c.json` would type it. */
export function jsonTextResponse<T extends Jsonable, S extends ContentfulStatusCode>(c: Context, text: JsonText<T>, status: S): JsonResponse<T, S> {
  // The same Response `c.json` builds (it stringifies, then sets this content type); only its type
  // says "body", since hono cannot know what the string holds.
  return keepText(c.body(text, status, { "content-type": "application/json" }), text) as unknown as JsonResponse<T, S>;
}

/**
 * `c.json(value, status)` with its text kept (renderedText): what command routes answer with. It
 * takes no headers: those a repeat must get again are set with responseHeader, where the gate reads them.
 */
export function jsonResponse<T extends Jsonable, S extends ContentfulStatusCode>(c: Context, value: T, status: S): JsonResponse<T, S> {
  return jsonTextResponse(c, toJsonText(value), status);
}
