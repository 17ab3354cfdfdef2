import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCheckpoint } from "@surge/platform/db/checkpoints";
import { http, positionOf, problemCode } from "@surge/testkit/http";
import { waitFor } from "@surge/testkit/wait";
import type { Batch } from "@surge/batch/start";
import { NOTIFICATIONS_CHECKPOINT } from "@surge/areas/notifications/follower";
import { claim, createCoupon, useApi } from "../command-harness.js";
import { startTestBatch } from "../batch-harness.js";

interface Mail {
  to: string[];
  raw: string;
}

const { ctx, api } = useApi();
const mailbox: Mail[] = [];
let smtp: SMTPServer;
let batch: Batch;
let admin: string;

/** The peer: a real SMTP server process-side, plain SMTP without auth, keeping every message it accepts. */
beforeAll(async () => {
  smtp = new SMTPServer({
    disabledCommands: ["AUTH", "STARTTLS"],
    authOptional: true,
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        mailbox.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString("utf8") });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
  const port = (smtp.server.address() as AddressInfo).port;
  batch = await startTestBatch(ctx, { BATCH_TAIL_IDLE_MS: "50", NOTIFICATIONS_POLL_MS: "50", SMTP_URL: `smtp://127.0.0.1:${port}` });
  admin = await ctx.token("admin1", "admin");
});
afterAll(async () => {
  await batch?.stop();
  await new Promise<void>((resolve) => smtp.close(resolve));
});

/** A header's value with RFC 2047 encoded words decoded (nodemailer encodes non-ASCII subjects). */
function header(raw: string, name: string): string {
  const head = raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, " ");
  const value = new RegExp(`^${name}: (.*)$`, "im").exec(head)?.[1] ?? "";
  return value.replace(/\?=\s+=\?/g, "?==?").replace(/=\?utf-8\?([bq])\?([^?]*)\?=/gi, (_, enc: string, text: string) =>
    enc.toLowerCase() === "b"
      ? Buffer.from(text, "base64").toString("utf8")
      : Buffer.from(
          text.replace(/_/g, " ").replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
          "latin1",
        ).toString("utf8"),
  );
}

const setContact = (token: string, body: unknown, language?: string) =>
  http("PUT", `${api.url}/me/contact`, { token, body: body as object, headers: language ? { "accept-language": language } : {} });
/** Waits until the consumer has recorded everything up to `position`: an email it would send has its outbox row by then. */
const recorded = (position: number) =>
  waitFor(`notifications at ${position}`, async () => (await readCheckpoint(ctx.db, NOTIFICATIONS_CHECKPOINT)) >= position);
const outbox = (userId: string) => ctx.db.selectFrom("email_outbox").selectAll().where("user_id", "=", userId).execute();

describe("email notifications", () => {
  it("PUT /me/contact refuses a bad address or unknown fields with 400, and needs a token", async () => {
    const token = await ctx.token("picky");
    for (const body of [{}, { email: "not-an-address" }, { email: "a@b.co", phone: "1" }, { email: `${"x".repeat(250)}@b.co` }]) {
      const res = await setContact(token, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(problemCode(res)).toBe("VALIDATION_FAILED");
    }
    expect((await http("PUT", `${api.url}/me/contact`, { body: { email: "a@b.co" } })).status).toBe(401);
    expect(await ctx.db.selectFrom("user_contacts").selectAll().execute()).toEqual([]);
  });

  it("sends one email per claim to the address set, in the language of the contact; none after DELETE /me/contact", { timeout: 60_000 }, async () => {
    const ko = await ctx.token("mailko");
    const en = await ctx.token("mailen");
    const none = await ctx.token("nomail");
    const saved = await setContact(ko, { email: "ko@example.com" }, "ko-KR,ko;q=0.9,en;q=0.8");
    expect(saved.status).toBe(200);
    expect(saved.body).toEqual({ userId: "mailko", email: "ko@example.com", language: "ko" });
    expect((await setContact(en, { email: "en@example.com" }, "en-US,en;q=0.9")).body.language).toBe("en");

    const coupon = await createCoupon(api.url, admin, { quantity: 10 });
    const claims = [await claim(api.url, coupon.couponId, ko), await claim(api.url, coupon.couponId, en), await claim(api.url, coupon.couponId, none)];
    expect(claims.map((c) => c.status)).toEqual([201, 201, 201]);
    await recorded(Math.max(...claims.map(positionOf)));
    await waitFor("both emails sent", async () => [...(await outbox("mailko")), ...(await outbox("mailen"))].filter((r) => r.status === "SENT").length === 2);
    expect(await outbox("nomail")).toEqual([]);

    expect(mailbox.map((m) => m.to)).toEqual(expect.arrayContaining([["ko@example.com"], ["en@example.com"]]));
    expect(mailbox).toHaveLength(2);
    const koMail = mailbox.find((m) => m.to[0] === "ko@example.com")!;
    expect(header(koMail.raw, "Subject")).toBe("[Surge] 쿠폰이 발급되었습니다");
    expect(header(koMail.raw, "Content-Language")).toBe("ko");
    expect(header(koMail.raw, "Message-ID")).toBe(`<${(await outbox("mailko"))[0]!.message_id}@surge>`);
    expect(koMail.raw).toMatch(/multipart\/alternative/);
    expect(koMail.raw).toMatch(/text\/plain/);
    expect(koMail.raw).toMatch(/text\/html/);
    const enMail = mailbox.find((m) => m.to[0] === "en@example.com")!;
    expect(header(enMail.raw, "Subject")).toBe("[Surge] Your coupon is claimed");
    expect(header(enMail.raw, "Content-Language")).toBe("en");

    const erased = await http("DELETE", `${api.url}/me/contact`, { token: ko });
    expect(erased.status).toBe(204);
    expect(await ctx.db.selectFrom("user_contacts").select("user_id").where("user_id", "=", "mailko").execute()).toEqual([]);
    const second = await createCoupon(api.url, admin, { quantity: 10 });
    const later = await claim(api.url, second.couponId, ko);
    expect(later.status).toBe(201);
    await recorded(positionOf(later));
    // Recorded in the same transaction as the checkpoint: no row now means no email ever.
    expect((await outbox("mailko")).map((r) => r.status)).toEqual(["SENT"]);
    expect(mailbox).toHaveLength(2);
    console.log(`email: ${mailbox.length} messages for 2 claims of users with an address, 0 for the claim without one and 0 after DELETE /me/contact`);
  });
});
