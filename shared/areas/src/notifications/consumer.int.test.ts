import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "@surge/platform/logging";
import { Lease } from "@surge/platform/db/lease";
import { createTestContext, type TestContext } from "@surge/testkit/context";
import { rawEvent } from "@surge/testkit/raw-event";
import { waitFor } from "@surge/testkit/wait";
import { CouponClaimed, couponStream } from "../coupons/coupon-events.js";
import { createWebhook } from "./webhooks.js";
import { NotificationFollower } from "./follower.js";
import { WebhookDeliverer } from "./deliverer.js";
import { GIVE_UP_AFTER_MS } from "./retry.js";
import { appendOpenSale, appendOrder, placed } from "@surge/testkit/sale-events";
import { orderStream } from "../orders/events.js";

const logger = createLogger("test", "silent", false);
let ctx: TestContext;
let server: Server;
const status = 503;
const seen: string[] = [];

beforeAll(async () => {
  ctx = await createTestContext();
  server = createServer((req, res) => {
    seen.push(String(req.headers["surge-delivery-id"]));
    req.resume();
    req.on("end", () => res.writeHead(status).end());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await ctx?.close();
});

const claimed = (n: number) =>
  rawEvent(CouponClaimed, { couponId: "c1", claimId: `k${n}`, userId: `u${n}`, claimedAt: new Date().toISOString(), expiresAt: null });

const rows = () => ctx.db.selectFrom("webhook_deliveries").selectAll().orderBy("position").execute();

describe("notifications consumer", () => {
  it("records one delivery per (event, webhook) for events after the webhook, even when a batch is handled twice; retries with the injected clock and gives up after 24 h", async () => {
    await ctx.store.append(couponStream("c1"), "any", [claimed(0)]);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const hook = await createWebhook(ctx.db, ctx.store, { url, types: ["CouponClaimed"] }, new Date());
    await ctx.store.append(couponStream("c1"), "any", [claimed(1), claimed(2)]);

    const follower = new NotificationFollower(ctx.db, ctx.store, { email: false }, logger);
    const events = await ctx.store.readAll(0, 100);
    // A crash after the commit and before the log tail's position moved hands the same events again.
    await follower.handle(events);
    await follower.handle(events);
    const recorded = await rows();
    expect(recorded.map((r) => [r.webhook_id, r.status, JSON.parse(r.body).data.claimId])).toEqual([
      [hook.webhookId, "PENDING", "k1"],
      [hook.webhookId, "PENDING", "k2"],
    ]);

    let now = new Date();
    const start = now;
    const outcomes: string[] = [];
    const deliverer = new WebhookDeliverer(
      ctx.db,
      { pollMs: 20, timeoutMs: 1000, allowInsecure: true, now: () => now, onOutcome: (o) => outcomes.push(o) },
      logger,
    );
    deliverer.start();
    try {
      const head = await waitFor("the head tried", async () => (await rows()).find((r) => r.attempts === 1));
      expect(head.delivery_id).toBe(recorded[0]!.delivery_id);
      expect(head.next_attempt_at.getTime() - start.getTime()).toBe(1000);
      expect(head.last_error).toBe("HTTP 503");
      // The clock stands still: the head is not due again, and the delivery behind it waits its turn.
      expect((await rows())[1]!.attempts).toBe(0);
      expect(new Set(seen)).toEqual(new Set([head.delivery_id]));

      now = new Date(start.getTime() + GIVE_UP_AFTER_MS);
      // The outcome is reported after the row's update commits: wait for both, or a fast poll sees the row first.
      await waitFor("both FAILED", async () => outcomes.length >= 3 && (await rows()).every((r) => r.status === "FAILED"));
      expect(outcomes).toEqual(["retry", "failed", "failed"]);
      expect(await deliverer.oldestPendingSeconds()).toBe(0);
    } finally {
      await deliverer.stop();
    }
  });

  it("emails the owner of an order about its notifications (the order's first event names the owner), only users with an address, once", async () => {
    const sale = await appendOpenSale(ctx.store, [10]);
    const mine = placed(sale, "mailer1", [[0, 1]]);
    const theirs = placed(sale, "silent1", [[0, 1]]);
    await appendOrder(ctx.store, mine);
    await appendOrder(ctx.store, theirs);
    await ctx.db.insertInto("user_contacts").values({ user_id: "mailer1", email: "m@example.com", language: "ko", updated_at: new Date() }).execute();
    const from = await ctx.store.headPosition();
    for (const order of [mine, theirs]) {
      const failed = { orderId: order.orderId, eventId: order.eventId, paymentId: "p1", reason: "LIMIT_EXCEEDED", failedAt: new Date().toISOString() };
      await ctx.store.append(orderStream(order.orderId), "any", [
        rawEvent("PaymentFailed", failed),
        rawEvent("OrderExpired", { orderId: order.orderId, eventId: order.eventId, expiredAt: failed.failedAt }),
      ]);
    }
    const follower = new NotificationFollower(ctx.db, ctx.store, { email: true }, logger);
    const events = await ctx.store.readAll(from, 100);
    await follower.handle(events);
    await follower.handle(events);
    const rows = await ctx.db.selectFrom("email_outbox").selectAll().execute();
    // OrderExpired is a webhook type, not an email one.
    expect(rows.map((r) => [r.user_id, r.type, r.status, JSON.parse(r.data).orderId])).toEqual([["mailer1", "PaymentFailed", "PENDING", mine.orderId]]);
  });

  it("two batch processes send each delivery once: only the holder of the notifications lease sends", async () => {
    const received = new Map<string, number>();
    const receiver = createServer((req, res) => {
      const id = String(req.headers["surge-delivery-id"]);
      received.set(id, (received.get(id) ?? 0) + 1);
      req.resume();
      req.on("end", () => res.writeHead(200).end());
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const hook = await createWebhook(ctx.db, ctx.store, { url, types: ["CouponClaimed"] }, new Date());
    const from = await ctx.store.headPosition();
    await ctx.store.append(
      couponStream("c2"),
      "any",
      Array.from({ length: 40 }, (_, i) => claimed(100 + i)),
    );
    await new NotificationFollower(ctx.db, ctx.store, { email: false }, logger).handle(await ctx.store.readAll(from, 100));

    const senders = ["a", "b"].map((owner) => {
      const lease = new Lease(ctx.db, "notifications", owner, 2_000);
      const deliverer = new WebhookDeliverer(ctx.db, { pollMs: 10, timeoutMs: 1000, allowInsecure: true, mayRun: () => lease.held }, logger);
      return { lease, deliverer };
    });
    for (const s of senders) {
      s.lease.start();
      s.deliverer.start();
    }
    try {
      const mine = () => ctx.db.selectFrom("webhook_deliveries").select("status").where("webhook_id", "=", hook.webhookId).execute();
      await waitFor("all 40 delivered", async () => {
        const r = await mine();
        return r.length === 40 && r.every((d) => d.status === "DELIVERED");
      });
      expect(received.size).toBe(40);
      expect([...received.values()].every((n) => n === 1)).toBe(true);
    } finally {
      await Promise.all(senders.map((s) => s.deliverer.stop()));
      await Promise.all(senders.map((s) => s.lease.stop()));
      await new Promise((resolve) => receiver.close(resolve));
    }
  });
});
