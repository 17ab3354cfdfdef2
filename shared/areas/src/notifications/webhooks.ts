import type { Db } from "@surge/platform/db/database";
import type { EventStore } from "@surge/platform/eventstore/types";
import { newId } from "@surge/platform/ids";
import { validationFailed } from "@surge/platform/errors";
import { newSecret } from "./signature.js";
import type { DeliveryStatus, WebhooksTable, WebhookDeliveriesTable } from "./tables.js";
import type { WebhookType } from "./kinds.js";

export interface WebhookView {
  webhookId: string;
  url: string;
  types: WebhookType[];
  description: string | null;
  createdAt: string;
}

const viewOf = (row: WebhooksTable): WebhookView => ({
  webhookId: row.webhook_id,
  url: row.url,
  types: JSON.parse(row.types) as WebhookType[],
  description: row.description,
  createdAt: row.created_at.toISOString(),
});

/** Registers a webhook that receives the events appended from now on; the secret is returned here only. */
export async function createWebhook(db: Db, store: EventStore, input: { url: string; types: WebhookType[]; description?: string | undefined }, now: Date) {
  const row: WebhooksTable = {
    webhook_id: newId(),
    url: input.url,
    types: JSON.stringify([...new Set(input.types)]),
    description: input.description ?? null,
    secret: newSecret(),
    created_at: now,
    // Positions become visible in order: every event after this head was appended after the webhook existed.
    created_position: await store.headPosition(),
  };
  await db.insertInto("webhooks").values(row).execute();
  return { ...viewOf(row), secret: row.secret };
}

export async function listWebhooks(db: Db): Promise<WebhookView[]> {
  const rows = await db.selectFrom("webhooks").selectAll().orderBy("created_at").orderBy("webhook_id").execute();
  return rows.map(viewOf);
}

/** Deletes the webhook and its deliveries; false when there was none. */
export async function deleteWebhook(db: Db, webhookId: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const { numDeletedRows } = await trx.deleteFrom("webhooks").where("webhook_id", "=", webhookId).executeTakeFirst();
    await trx.deleteFrom("webhook_deliveries").where("webhook_id", "=", webhookId).execute();
    return numDeletedRows > 0n;
  });
}

export const webhookExists = async (db: Db, webhookId: string): Promise<boolean> =>
  (await db.selectFrom("webhooks").select("webhook_id").where("webhook_id", "=", webhookId).executeTakeFirst()) !== undefined;

export interface DeliveryView {
  deliveryId: string;
  webhookId: string;
  type: string;
  status: DeliveryStatus;
  attempts: number;
  createdAt: string;
  lastAttemptAt: string | null;
  nextAttemptAt: string | null;
  lastError: string | null;
}

const deliveryView = (row: WebhookDeliveriesTable): DeliveryView => ({
  deliveryId: row.delivery_id,
  webhookId: row.webhook_id,
  type: row.type,
  status: row.status,
  attempts: row.attempts,
  createdAt: row.created_at.toISOString(),
  lastAttemptAt: row.last_attempt_at?.toISOString() ?? null,
  nextAttemptAt: row.status === "PENDING" ? row.next_attempt_at.toISOString() : null,
  lastError: row.last_error,
});

/** The cursor is the log position of the last delivery listed (one delivery per event and webhook, so it is unique). */
const encodePosition = (position: number) => Buffer.from(`p${position}`).toString("base64url");
function decodePosition(cursor: string | undefined): number | null {
  if (!cursor) return null;
  const text = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, "base64url").toString("utf8") : "";
  if (!/^p\d{1,18}$/.test(text)) throw validationFailed([{ path: "cursor", message: "is not a cursor of this list" }]);
  return Number(text.slice(1));
}

/** A webhook's deliveries, newest event first. */
export async function listDeliveries(db: Db, webhookId: string, q: { status?: DeliveryStatus | undefined; limit: number; cursor?: string | undefined }) {
  const before = decodePosition(q.cursor);
  let query = db.selectFrom("webhook_deliveries").selectAll().where("webhook_id", "=", webhookId);
  if (q.status) query = query.where("status", "=", q.status);
  if (before !== null) query = query.where("position", "<", before);
  const rows = await query
    .orderBy("position", "desc")
    .limit(q.limit + 1)
    .execute();
  const page = rows.slice(0, q.limit);
  return { items: page.map(deliveryView), nextCursor: rows.length > q.limit ? encodePosition(Number(page.at(-1)!.position)) : null };
}

/**
 * Makes a delivery due now with a fresh 24 h window (a FAILED one becomes PENDING again; a
 * DELIVERED one is sent once more, with the same id). False when the webhook has no such delivery.
 */
export async function retryDelivery(db: Db, webhookId: string, deliveryId: string, now: Date): Promise<boolean> {
  const { numUpdatedRows } = await db
    .updateTable("webhook_deliveries")
    .set({ status: "PENDING", attempts: 0, pending_since: now, next_attempt_at: now })
    .where("webhook_id", "=", webhookId)
    .where("delivery_id", "=", deliveryId)
    .executeTakeFirst();
  // MySQL counts matched rows only when they change; a retry of a delivery already due changes attempts or times anyway.
  if (numUpdatedRows > 0n) return true;
  return (
    (await db
      .selectFrom("webhook_deliveries")
      .select("delivery_id")
      .where("webhook_id", "=", webhookId)
      .where("delivery_id", "=", deliveryId)
      .executeTakeFirst()) !== undefined
  );
}
