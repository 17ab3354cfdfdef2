import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { http, problemCode } from "@surge/testkit/http";
import { waitFor } from "@surge/testkit/wait";
import type { Batch } from "@surge/batch/start";
import type { CommandApi } from "@surge/command-api/start";
import { claim, createCoupon, startApi, useApi } from "../command-harness.js";
import { startTestBatch } from "../batch-harness.js";
import { WebhookReceiver } from "./receiver.js";

const { ctx, api } = useApi();
let admin: string;
let batch: Batch;
let strict: CommandApi;
const receiver = new WebhookReceiver("unavailable");

beforeAll(async () => {
  admin = await ctx.token("admin1", "admin");
  batch = await startTestBatch(ctx, { BATCH_TAIL_IDLE_MS: "50", NOTIFICATIONS_POLL_MS: "50", WEBHOOK_TIMEOUT_MS: "1000" });
  strict = await startApi(ctx, { WEBHOOK_ALLOW_INSECURE: "false" });
  await receiver.start();
});
afterAll(async () => {
  await strict?.stop();
  await batch?.stop();
  await receiver.stop();
});

const webhooks = async () => (await http("GET", `${api.url}/admin/webhooks`, { token: admin })).body.items as Array<Record<string, unknown>>;
const deliveries = (webhookId: string, query = "") => http("GET", `${api.url}/admin/webhooks/${webhookId}/deliveries${query}`, { token: admin });

describe("webhook admin API", () => {
  it("answers bad input with 400 problem+json and creates nothing", async () => {
    const bodies: Array<string | object> = [
      {},
      { url: "https://hooks.example.com/x" },
      { url: "https://hooks.example.com/x", types: [] },
      { url: "https://hooks.example.com/x", types: ["CartItemSet"] },
      { url: "https://hooks.example.com/x", types: ["CouponClaimed"], secret: "mine" },
      { url: "https://hooks.example.com/x", types: ["CouponClaimed"], description: "x".repeat(501) },
      { url: "not a url", types: ["CouponClaimed"] },
      { url: "ftp://hooks.example.com/x", types: ["CouponClaimed"] },
      { url: "https://u:p@hooks.example.com/x", types: ["CouponClaimed"] },
      "{not json",
    ];
    for (const body of bodies) {
      const res = await http("POST", `${api.url}/admin/webhooks`, { token: admin, body, headers: { "content-type": "application/json" } });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(problemCode(res)).toBe("VALIDATION_FAILED");
    }
    expect(await webhooks()).toEqual([]);
  });

  it("with WEBHOOK_ALLOW_INSECURE=false refuses http:// and loopback or private hosts, and takes https to a public host", async () => {
    for (const url of [
      "http://hooks.example.com/x",
      "https://127.0.0.1/x",
      "https://localhost/x",
      "https://10.0.0.7/x",
      "https://192.168.1.1/x",
      "https://[::1]/x",
    ]) {
      const res = await http("POST", `${strict.url}/admin/webhooks`, { token: admin, body: { url, types: ["OrderPaid"] } });
      expect(res.status, url).toBe(400);
      expect(res.body.errors[0].path).toBe("url");
    }
    expect(await webhooks()).toEqual([]);
    const ok = await http("POST", `${strict.url}/admin/webhooks`, {
      token: admin,
      body: { url: "https://hooks.example.com/surge", types: ["OrderPaid", "OrderPaid"] },
    });
    expect(ok.status).toBe(201);
    expect(ok.body).toEqual({
      webhookId: expect.any(String),
      url: "https://hooks.example.com/surge",
      types: ["OrderPaid"],
      description: null,
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9_-]{43}$/),
      createdAt: expect.any(String),
    });
    const listed = await webhooks();
    expect(listed).toEqual([
      { webhookId: ok.body.webhookId, url: "https://hooks.example.com/surge", types: ["OrderPaid"], description: null, createdAt: ok.body.createdAt },
    ]);
    expect(JSON.stringify(listed)).not.toContain(ok.body.secret);
    expect((await http("DELETE", `${api.url}/admin/webhooks/${ok.body.webhookId}`, { token: admin })).status).toBe(204);
    const again = await http("DELETE", `${api.url}/admin/webhooks/${ok.body.webhookId}`, { token: admin });
    expect(again.status).toBe(404);
    expect(problemCode(again)).toBe("NOT_FOUND");
    expect(await webhooks()).toEqual([]);
  });

  it("documents its routes in command-api's OpenAPI document", async () => {
    const doc = (await http("GET", `${api.url}/openapi.json`)).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/admin/webhooks",
        "/admin/webhooks/{webhookId}",
        "/admin/webhooks/{webhookId}/deliveries",
        "/admin/webhooks/{webhookId}/deliveries/{deliveryId}/retry",
        "/me/contact",
      ]),
    );
    expect(Object.keys(doc.paths["/admin/webhooks"])).toEqual(expect.arrayContaining(["get", "post"]));
    expect(Object.keys(doc.paths["/me/contact"])).toEqual(expect.arrayContaining(["put", "delete"]));
    expect(Object.keys(doc.paths["/admin/webhooks"].post.responses)).toEqual(expect.arrayContaining(["201", "400"]));
    expect(Object.keys(doc.paths["/admin/webhooks/{webhookId}"].delete.responses)).toEqual(expect.arrayContaining(["204", "404"]));
    expect(Object.keys(doc.paths["/admin/webhooks/{webhookId}/deliveries/{deliveryId}/retry"].post.responses)).toContain("202");
  });

  it("is for admins only", async () => {
    const user = await ctx.token("someone");
    expect((await http("GET", `${api.url}/admin/webhooks`, { token: user })).status).toBe(403);
    expect((await http("POST", `${api.url}/admin/webhooks`, { body: { url: receiver.url, types: ["OrderPaid"] } })).status).toBe(401);
  });

  it(
    "lists deliveries by status with a cursor, and retries: a failing one goes out once the receiver is back, a FAILED one is sent again",
    { timeout: 60_000 },
    async () => {
      const coupon = await createCoupon(api.url, admin, { quantity: 10 });
      // Claimed before the webhook exists: never delivered to it.
      expect((await claim(api.url, coupon.couponId, await ctx.token("early"))).status).toBe(201);
      const created = await http("POST", `${api.url}/admin/webhooks`, {
        token: admin,
        body: { url: receiver.url, types: ["CouponClaimed"], description: "test" },
      });
      expect(created.status).toBe(201);
      receiver.secret = created.body.secret;
      receiver.webhookId = created.body.webhookId;
      const id = created.body.webhookId as string;
      for (const u of ["a", "b", "c"]) expect((await claim(api.url, coupon.couponId, await ctx.token(u))).status).toBe(201);

      // The receiver answers 503: all three stay PENDING, the head retried, the others waiting behind it.
      const pending = await waitFor("three pending, the head tried twice", async () => {
        const res = await deliveries(id, "?status=PENDING");
        return res.body.items.length === 3 && res.body.items[2].attempts >= 2 && res.body;
      });
      expect(pending.items[2]).toMatchObject({ webhookId: id, type: "CouponClaimed", status: "PENDING", lastError: "HTTP 503" });
      expect(pending.items[0].attempts).toBe(0);
      const page1 = await deliveries(id, "?status=PENDING&limit=2");
      expect(page1.body.items).toHaveLength(2);
      const page2 = await deliveries(id, `?status=PENDING&limit=2&cursor=${page1.body.nextCursor}`);
      expect(page2.body).toEqual({ items: [pending.items[2]].map((d) => expect.objectContaining({ deliveryId: d.deliveryId })), nextCursor: null });
      for (const bad of ["?status=LOST", "?limit=0", "?limit=101", "?cursor=garbage!", "?cursor=eHl6"]) {
        const res = await deliveries(id, bad);
        expect(res.status, bad).toBe(400);
        expect(problemCode(res)).toBe("VALIDATION_FAILED");
      }
      expect((await deliveries("no-such-webhook")).status).toBe(404);

      receiver.mode = "ok";
      await waitFor("all three delivered", async () => (await deliveries(id, "?status=DELIVERED")).body.items.length === 3, 20_000);
      expect(receiver.distinct().size).toBe(3);
      expect(receiver.bad).toEqual([]);
      // The receiver saw them in log order.
      expect(receiver.received.map((r) => r.deliveryId)).toEqual(pending.items.map((d: { deliveryId: string }) => d.deliveryId).reverse());

      // A delivery given up on after 24 h (set so here: the 24 h themselves are the unit tests' clock) is sent again on retry.
      const target = pending.items[1].deliveryId as string;
      await ctx.db.updateTable("webhook_deliveries").set({ status: "FAILED" }).where("delivery_id", "=", target).execute();
      expect((await deliveries(id, "?status=FAILED")).body.items.map((d: { deliveryId: string }) => d.deliveryId)).toEqual([target]);
      const retried = await http("POST", `${api.url}/admin/webhooks/${id}/deliveries/${target}/retry`, { token: admin });
      expect(retried.status).toBe(202);
      expect(retried.body).toEqual({ deliveryId: target, status: "PENDING" });
      await waitFor("the retried delivery sent again", () => receiver.received.filter((r) => r.deliveryId === target).length === 2);
      await waitFor("and DELIVERED", async () => (await deliveries(id, "?status=DELIVERED")).body.items.length === 3);
      expect(receiver.distinct().size).toBe(3);

      const unknown = await http("POST", `${api.url}/admin/webhooks/${id}/deliveries/nope/retry`, { token: admin });
      expect(unknown.status).toBe(404);
      expect((await http("DELETE", `${api.url}/admin/webhooks/${id}`, { token: admin })).status).toBe(204);
      expect((await deliveries(id)).status).toBe(404);
    },
  );
});
