import { createHash } from "node:crypto";
import type { MiddlewareHandler } from "hono";

import type { Db } from "../db/index.js";
import { AppError } from "../errors/index.js";
import type { AppEnv } from "./app.js";

const KEEP_MS = 24 * 3600_000;
/** A key whose first request never finished (process died) may be taken over after this. */
const ABANDONED_MS = 60_000;
const WAIT_MS = 10_000;
const REPLAYED_HEADERS = ["x-position", "location"];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const duplicateKey = (err: unknown) => (err as { code?: string }).code === "ER_DUP_ENTRY";

/**
 * Idempotency-Key per the contract: the same user, key and body within 24 h get the first response
 * again (with Idempotency-Replayed: true) and nothing runs twice, also for concurrent repeats,
 * which wait for the first. Another body under the same key is 422. Responses of 5xx are not
 * kept, so a retry after a failure really retries.
 */
export function idempotency(db: Db, opts: { requiredFor: (method: string, path: string) => boolean }): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.method !== "POST") return next();
    const key = c.req.header("idempotency-key");
    if (key === undefined) {
      if (opts.requiredFor(c.req.method, c.req.path)) throw new AppError("VALIDATION_FAILED", "This route needs an Idempotency-Key header.", { errors: [{ path: "Idempotency-Key", message: "required" }] });
      return next();
    }
    if (key.length < 1 || key.length > 128) throw new AppError("VALIDATION_FAILED", "Idempotency-Key must be 1–128 characters.", { errors: [{ path: "Idempotency-Key", message: "1–128 characters" }] });
    const userId = c.get("user").id;
    const hash = createHash("sha256").update(`${c.req.method} ${c.req.path}\n${await c.req.text()}`).digest("hex");
    const id = { user_id: userId, idem_key: key };

    const giveUpAt = Date.now() + WAIT_MS;
    for (;;) {
      const claimed = await claim(db, id, hash);
      if (claimed) break;
      const row = await db.selectFrom("idempotency_keys").selectAll().where("user_id", "=", userId).where("idem_key", "=", key).executeTakeFirst();
      if (!row) continue;
      if (row.request_hash !== hash) throw new AppError("IDEMPOTENCY_KEY_REUSED", "This Idempotency-Key was used with another request.");
      if (row.status_code !== null) return replay(row.status_code, row.response_body ?? "", row.response_headers);
      if (Date.now() > giveUpAt) throw new AppError("CONFLICT", "A request with this Idempotency-Key is still in progress.");
      await sleep(25);
    }

    try {
      await next();
    } catch (err) {
      await release(db, id);
      throw err;
    }
    if (c.res.status >= 500) {
      await release(db, id);
      return;
    }
    const headers = Object.fromEntries(REPLAYED_HEADERS.flatMap((h) => (c.res.headers.get(h) ? [[h, c.res.headers.get(h)!]] : [])));
    await db
      .updateTable("idempotency_keys")
      .set({ status_code: c.res.status, response_body: await c.res.clone().text(), response_headers: JSON.stringify(headers), completed_at: new Date() })
      .where("user_id", "=", userId)
      .where("idem_key", "=", key)
      .execute();
  };
}

/** Takes the key: a new row, or an expired or abandoned one taken over in one conditional update. */
async function claim(db: Db, id: { user_id: string; idem_key: string }, hash: string): Promise<boolean> {
  const now = new Date();
  try {
    await db.insertInto("idempotency_keys").values({ ...id, request_hash: hash, created_at: now }).execute();
    return true;
  } catch (err) {
    if (!duplicateKey(err)) throw err;
  }
  const taken = await db
    .updateTable("idempotency_keys")
    .set({ request_hash: hash, created_at: now, status_code: null, response_body: null, response_headers: null, completed_at: null })
    .where("user_id", "=", id.user_id)
    .where("idem_key", "=", id.idem_key)
    .where((eb) =>
      eb.or([
        eb("created_at", "<", new Date(now.getTime() - KEEP_MS)),
        eb.and([eb("completed_at", "is", null), eb("created_at", "<", new Date(now.getTime() - ABANDONED_MS))]),
      ]),
    )
    .executeTakeFirst();
  return Number(taken.numUpdatedRows) === 1;
}

async function release(db: Db, id: { user_id: string; idem_key: string }): Promise<void> {
  await db.deleteFrom("idempotency_keys").where("user_id", "=", id.user_id).where("idem_key", "=", id.idem_key).where("completed_at", "is", null).execute();
}

function replay(status: number, body: string, headers: string | null): Response {
  const kept = headers ? (JSON.parse(headers) as Record<string, string>) : {};
  const contentType = status >= 400 ? "application/problem+json" : "application/json";
  return new Response(body, { status, headers: { ...kept, "content-type": contentType, "idempotency-replayed": "true" } });
}

/** Drops keys older than the 24 h window (run by the batch). */
export async function purgeIdempotencyKeys(db: Db, now = new Date()): Promise<number> {
  const r = await db.deleteFrom("idempotency_keys").where("created_at", "<", new Date(now.getTime() - KEEP_MS)).executeTakeFirst();
  return Number(r.numDeletedRows);
}

