import { z } from "@hono/zod-openapi";
import { validationFailed } from "../errors.js";

/** `limit` of every list: 1–100, 20 when absent. */
export const limitParam = z.coerce.number().int().min(1).max(100).default(20).openapi({ type: "integer", minimum: 1, maximum: 100, default: 20 });

/** `cursor`: opaque to clients; absent or empty means the first page. */
export const cursorParam = z.string().max(512).optional().openapi({ description: "nextCursor of the previous page" });

/** A keyset position: the sort instant and the id that breaks ties. */
export interface Keyset {
  at: Date;
  id: string;
}

const keysetSchema = z.tuple([z.iso.datetime(), z.string().min(1).max(64)]);

export const encodeCursor = (k: Keyset): string => Buffer.from(JSON.stringify([k.at.toISOString(), k.id])).toString("base64url");

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** The keyset a cursor names; anything this API did not hand out is a 400. */
export function decodeCursor(cursor: string | undefined): Keyset | null {
  if (!cursor) return null;
  const parsed = /^[A-Za-z0-9_-]+$/.test(cursor) ? keysetSchema.safeParse(parseJson(Buffer.from(cursor, "base64url").toString("utf8"))) : null;
  if (!parsed?.success) throw validationFailed([{ path: "cursor", message: "is not a cursor of this list" }]);
  return { at: new Date(parsed.data[0]), id: parsed.data[1] };
}

/** Splits the `limit + 1` rows a page query fetched into the page and the cursor of the next. */
export function pageOf<T>(rows: T[], limit: number, keyOf: (row: T) => Keyset): { rows: T[]; nextCursor: string | null } {
  if (rows.length <= limit) return { rows, nextCursor: null };
  const page = rows.slice(0, limit);
  return { rows: page, nextCursor: encodeCursor(keyOf(page.at(-1)!)) };
}
