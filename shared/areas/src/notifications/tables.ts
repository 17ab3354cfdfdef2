export type DeliveryStatus = "PENDING" | "DELIVERED" | "FAILED";

/** Webhooks are configuration, not history: a row each, so the secret never enters the event log. */
export interface WebhooksTable {
  webhook_id: string;
  url: string;
  /** JSON array of notification types. */
  types: string;
  description: string | null;
  /** Kept as given (not encrypted): the deliverer needs it in clear to sign, and it never leaves this table but in the 201. */
  secret: string;
  created_at: Date;
  /** The log's head when the webhook was created: it receives the events after it. */
  created_position: number;
}

export interface WebhookDeliveriesTable {
  /** Name-based on (event, webhook): the same delivery whoever records it and however often. */
  delivery_id: string;
  webhook_id: string;
  position: number;
  type: string;
  /** The exact bytes sent, so every repeat is the same body. */
  body: string;
  status: DeliveryStatus;
  attempts: number;
  /** Start of the 24 h retry window: creation, or a manual retry. */
  pending_since: Date;
  next_attempt_at: Date;
  last_attempt_at: Date | null;
  last_error: string | null;
  created_at: Date;
}

/** The user's address for email: outside the event log, so DELETE /me/contact erases it. */
export interface UserContactsTable {
  user_id: string;
  email: string;
  /** `ko` or `en`, from Accept-Language when the contact was set. */
  language: string;
  updated_at: Date;
}

export type EmailStatus = "PENDING" | "SENT" | "FAILED";

/** One row per (event, user) to email; the address is read from user_contacts when it is sent. */
export interface EmailOutboxTable {
  /** Name-based on (event, user); also the email's Message-ID, so a resend is recognisably the same mail. */
  message_id: string;
  user_id: string;
  position: number;
  type: string;
  /** The notification's data (no card data, no address). */
  data: string;
  status: EmailStatus;
  attempts: number;
  next_attempt_at: Date;
  created_at: Date;
  last_error: string | null;
}

declare module "@surge/platform/db/schema" {
  interface Database {
    webhooks: WebhooksTable;
    webhook_deliveries: WebhookDeliveriesTable;
    user_contacts: UserContactsTable;
    email_outbox: EmailOutboxTable;
  }
}
