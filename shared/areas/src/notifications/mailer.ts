import type { Logger } from "pino";
import { createTransport, type Transporter } from "nodemailer";
import type { Db } from "@surge/platform/db/database";
import { PollingLoop } from "@surge/platform/lifecycle";
import { afterAttempt } from "./retry.js";
import { renderEmail } from "./templates.js";
import type { EmailType } from "./kinds.js";
import type { Language } from "./contacts.js";
import type {} from "./tables.js";

export interface MailerOptions {
  from: string;
  pollMs: number;
  now?: () => Date;
  onOutcome?: (outcome: "sent" | "retry" | "failed" | "dropped") => void;
  /** Whether this process may send now (it holds the notifications lease, as the webhook deliverer does). */
  mayRun?: () => boolean;
}

const PAGE = 50;

/**
 * Sends the email outbox over SMTP. The address is read at send time, so a contact deleted
 * before then gets nothing. Every message carries the outbox row's id as its Message-ID: a resend
 * after a crash between the SMTP answer and the row's update is the same message.
 */
export class EmailSender extends PollingLoop {
  private readonly now: () => Date;

  constructor(
    private readonly db: Db,
    private readonly transport: Pick<Transporter, "sendMail" | "close">,
    private readonly options: MailerOptions,
    private readonly logger: Logger,
  ) {
    super();
    this.now = options.now ?? (() => new Date());
  }

  override async stop(): Promise<void> {
    await super.stop();
    this.transport.close();
  }

  protected async run(): Promise<void> {
    while (!this.stopping) {
      let full = false;
      try {
        full = await this.pass();
      } catch (err) {
        this.logger.error({ err }, "sending the email outbox failed; retrying");
      }
      if (!full) await this.sleep(this.options.pollMs);
    }
  }

  private async pass(): Promise<boolean> {
    if (this.options.mayRun && !this.options.mayRun()) return false;
    const rows = await this.db
      .selectFrom("email_outbox")
      .leftJoin("user_contacts", "user_contacts.user_id", "email_outbox.user_id")
      .select(["email_outbox.message_id", "email_outbox.user_id", "type", "data", "attempts", "created_at", "user_contacts.email", "user_contacts.language"])
      .where("status", "=", "PENDING")
      .where("next_attempt_at", "<=", this.now())
      .orderBy("position")
      .limit(PAGE)
      .execute();
    for (const row of rows) {
      if (this.stopping || (this.options.mayRun && !this.options.mayRun())) return false;
      if (!row.email) {
        await this.db.deleteFrom("email_outbox").where("message_id", "=", row.message_id).execute();
        this.options.onOutcome?.("dropped");
        continue;
      }
      const language = (row.language ?? "en") as Language;
      const mail = renderEmail(row.type as EmailType, JSON.parse(row.data) as Record<string, unknown>, language);
      let error: string | null = null;
      try {
        await this.transport.sendMail({
          from: this.options.from,
          to: row.email,
          messageId: `<${row.message_id}@surge>`,
          headers: { "Content-Language": language },
          ...mail,
        });
      } catch (err) {
        error = err instanceof Error ? err.message : String(err);
      }
      const now = this.now();
      const next = afterAttempt({ attempts: row.attempts, pendingSince: row.created_at }, error === null ? { ok: true } : { ok: false, error }, now);
      await this.db
        .updateTable("email_outbox")
        .set({
          status: next.status === "DELIVERED" ? "SENT" : next.status,
          attempts: next.attempts,
          last_error: next.status === "DELIVERED" ? null : next.error.slice(0, 500),
          ...(next.status === "PENDING" ? { next_attempt_at: next.nextAttemptAt } : {}),
        })
        .where("message_id", "=", row.message_id)
        .execute();
      this.options.onOutcome?.(next.status === "DELIVERED" ? "sent" : next.status === "FAILED" ? "failed" : "retry");
      if (error) this.logger.warn({ messageId: row.message_id, error, attempts: next.attempts }, "email not sent; retrying");
    }
    return rows.length === PAGE;
  }
}

/**
 * The SMTP transport of SMTP_URL (`smtp://user:pass@host:587`, `smtps://…:465`). nodemailer waits
 * up to 2 minutes for a connection by default; an SMTP server that is away should cost a retry, not stall the outbox.
 */
export const smtpTransport = (url: string): Transporter => createTransport({ url, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 });
