import type { Logger } from "pino";
import type { Db } from "@surge/platform/db/database";
import type { EventStore, StoredEvent } from "@surge/platform/eventstore/types";
import { readCheckpoint } from "@surge/platform/db/checkpoints";
import { saveCheckpoint } from "@surge/platform/process/checkpoint";
import type { TailHandler } from "@surge/platform/process/log-tail";
import { nameBasedId } from "@surge/platform/ids";
import { isEmailType, isWebhookType, notificationOf, type Notification } from "./kinds.js";
import type { EmailOutboxTable, WebhookDeliveriesTable } from "./tables.js";
import { orderStream } from "../orders/events.js";

export const NOTIFICATIONS_CHECKPOINT = "notifications";
const DELIVERY_NAMESPACE = "5b0f3c1e-6a43-4d6e-9b8a-0c6f1d2e7a91";
const MESSAGE_NAMESPACE = "9d7e2a40-1c5b-4f0e-8e3d-47a6b2c9f015";

/** Stable per (event, webhook): a delivery recorded twice is one row, and a receiver sees one id however often it is sent. */
export const deliveryIdOf = (eventId: string, webhookId: string) => nameBasedId(DELIVERY_NAMESPACE, `${eventId}\n${webhookId}`);
/** Stable per (event, user): the email's Message-ID and its outbox key. */
export const messageIdOf = (eventId: string, userId: string) => nameBasedId(MESSAGE_NAMESPACE, `${eventId}\n${userId}`);

interface Subscriber {
  webhookId: string;
  types: Set<string>;
  createdPosition: number;
}

/** How many order owners are remembered: an order's events come close together in the log. */
const OWNER_CACHE = 10_000;

/**
 * Follows the log with its own checkpoint and turns each notification into rows: a PENDING
 * delivery per subscribed webhook, and (with email on) an outbox row per user with an address.
 * The rows and the checkpoint commit in one transaction, and the rows' keys are name-based, so
 * a batch handled twice (a crash before the commit) records each one once: exactly once in
 * effect. Sending is the deliverer's and the mailer's business, never this transaction's.
 */
export class NotificationFollower implements TailHandler {
  readonly name = NOTIFICATIONS_CHECKPOINT;
  private readonly owners = new Map<string, string>();

  constructor(
    private readonly db: Db,
    private readonly store: EventStore,
    private readonly options: { email: boolean },
    private readonly logger: Logger,
  ) {}

  start(): Promise<number> {
    return readCheckpoint(this.db, NOTIFICATIONS_CHECKPOINT);
  }

  async handle(events: StoredEvent[]): Promise<void> {
    const last = events.at(-1);
    if (!last) return;
    const notified = events.flatMap((e) => {
      const n = notificationOf(e);
      return n ? [{ event: e, n }] : [];
    });
    const deliveries = notified.length > 0 ? this.deliveriesOf(notified, await this.subscribers()) : [];
    const emails = this.options.email && notified.length > 0 ? await this.emailsOf(notified) : [];
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < deliveries.length; i += 500)
        await trx
          .insertInto("webhook_deliveries")
          .values(deliveries.slice(i, i + 500))
          .orIgnore()
          .execute();
      for (let i = 0; i < emails.length; i += 500)
        await trx
          .insertInto("email_outbox")
          .values(emails.slice(i, i + 500))
          .orIgnore()
          .execute();
      await saveCheckpoint(trx, NOTIFICATIONS_CHECKPOINT, last.position);
    });
    if (deliveries.length + emails.length > 0)
      this.logger.debug({ deliveries: deliveries.length, emails: emails.length, position: last.position }, "notifications recorded");
  }

  private async subscribers(): Promise<Subscriber[]> {
    const rows = await this.db.selectFrom("webhooks").select(["webhook_id", "types", "created_position"]).execute();
    return rows.map((r) => ({ webhookId: r.webhook_id, types: new Set(JSON.parse(r.types) as string[]), createdPosition: Number(r.created_position) }));
  }

  private deliveriesOf(notified: Array<{ event: StoredEvent; n: Notification }>, subscribers: Subscriber[]): WebhookDeliveriesTable[] {
    const rows: WebhookDeliveriesTable[] = [];
    const now = new Date();
    for (const { event, n } of notified) {
      if (!isWebhookType(n.type)) continue;
      for (const s of subscribers) {
        if (!s.types.has(n.type) || event.position <= s.createdPosition) continue;
        const deliveryId = deliveryIdOf(event.eventId, s.webhookId);
        const body = JSON.stringify({ id: deliveryId, type: n.type, occurredAt: event.occurredAt.toISOString(), data: n.data });
        rows.push({
          delivery_id: deliveryId,
          webhook_id: s.webhookId,
          position: event.position,
          type: n.type,
          body,
          status: "PENDING",
          attempts: 0,
          pending_since: now,
          next_attempt_at: now,
          last_attempt_at: null,
          last_error: null,
          created_at: now,
        });
      }
    }
    return rows;
  }

  private async emailsOf(notified: Array<{ event: StoredEvent; n: Notification }>): Promise<EmailOutboxTable[]> {
    const mailable = notified.filter(({ n }) => isEmailType(n.type));
    if (mailable.length === 0) return [];
    const withUser = await Promise.all(mailable.map(async (m) => ({ ...m, userId: await this.userOf(m.event) })));
    const users = [...new Set(withUser.flatMap((m) => (m.userId ? [m.userId] : [])))];
    if (users.length === 0) return [];
    const contacts = new Set((await this.db.selectFrom("user_contacts").select("user_id").where("user_id", "in", users).execute()).map((r) => r.user_id));
    const now = new Date();
    return withUser
      .filter((m) => m.userId && contacts.has(m.userId))
      .map(({ event, n, userId }) => ({
        message_id: messageIdOf(event.eventId, userId!),
        user_id: userId!,
        position: event.position,
        type: n.type,
        data: JSON.stringify({ ...n.data, occurredAt: event.occurredAt.toISOString() }),
        status: "PENDING" as const,
        attempts: 0,
        next_attempt_at: now,
        created_at: now,
        last_error: null,
      }));
  }

  /** The user a notification is for: in the event, or the owner of its order (the order's first event names it). */
  private async userOf(event: StoredEvent): Promise<string | null> {
    const data = event.data as { userId?: string; orderId?: string };
    if (data.userId) return data.userId;
    if (!data.orderId) return null;
    const known = this.owners.get(data.orderId);
    if (known) return known;
    const [placed] = await this.store.readStream(orderStream(data.orderId), { toVersion: 1 });
    const owner = (placed?.data as { userId?: string } | undefined)?.userId ?? null;
    if (owner) {
      if (this.owners.size >= OWNER_CACHE) this.owners.delete(this.owners.keys().next().value!);
      this.owners.set(data.orderId, owner);
    }
    return owner;
  }
}
