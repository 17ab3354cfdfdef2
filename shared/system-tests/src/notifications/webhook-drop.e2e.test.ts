import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestContext, type TestContext } from "@surge/testkit/context";
import { spawnApp, stillRunning, type ChildApp } from "@surge/testkit/child-app";
import { http } from "@surge/testkit/http";
import { waitFor } from "@surge/testkit/wait";
import type { CommandApi } from "@surge/command-api/start";
import { claim, createCoupon, startApi } from "../command-harness.js";
import { WebhookReceiver } from "./receiver.js";

const CLAIMS = 1000;

let ctx: TestContext;
let api: CommandApi;
let admin: string;
let batchPort = 0;
let batch: ChildApp | null = null;
const first = new WebhookReceiver("ok");
const stuck = new WebhookReceiver("hang");

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

/** The batch (the notifications consumer in it) as its own process, so it can be killed with SIGKILL. */
async function startBatchProcess(): Promise<ChildApp> {
  const child = spawnApp("batch/src/main.ts", {
    ...ctx.appEnv,
    BATCH_PORT: String(batchPort),
    BATCH_TAIL_IDLE_MS: "50",
    NOTIFICATIONS_POLL_MS: "50",
    WEBHOOK_TIMEOUT_MS: "1000",
    // The restarted process takes the sending lease over once the killed one's expires.
    NOTIFICATIONS_LEASE_TTL_MS: "1000",
  });
  await waitFor("batch up", async () => (await http("GET", `http://127.0.0.1:${batchPort}/health`).catch(() => null))?.status === 200, {
    timeoutMs: 30_000,
    check: stillRunning(child, "batch"),
    detail: child.output,
  });
  return child;
}

async function register(receiver: WebhookReceiver): Promise<void> {
  const res = await http("POST", `${api.url}/admin/webhooks`, { token: admin, body: { url: receiver.url, types: ["CouponClaimed"] } });
  expect(res.status).toBe(201);
  receiver.secret = res.body.secret;
  receiver.webhookId = res.body.webhookId;
}

beforeAll(async () => {
  ctx = await createTestContext();
  api = await startApi(ctx);
  admin = await ctx.token("admin1", "admin");
  batchPort = await freePort();
  await first.start();
  await stuck.start();
  batch = await startBatchProcess();
});

afterAll(async () => {
  batch?.child.kill("SIGKILL");
  await batch?.exited;
  await first.stop();
  await stuck.stop();
  await api?.stop();
  await ctx?.close();
});

describe("webhooks during a drop of 1,000 claims", () => {
  it(
    "deliver exactly 1,000 distinct ids, all signed, through a receiver outage and a SIGKILL of the consumer; a hanging receiver holds back no one",
    { timeout: 240_000 },
    async () => {
      await register(first);
      await register(stuck);
      const coupon = await createCoupon(api.url, admin, { quantity: CLAIMS });
      const tokens = await Promise.all(Array.from({ length: CLAIMS }, (_, i) => ctx.token(`fan${i}`)));
      const claimIds: string[] = [];
      let next = 0;
      /** Claims through command-api, 20 at a time, up to `upTo` claims in all. */
      const claimUpTo = async (upTo: number) => {
        await Promise.all(
          Array.from({ length: 20 }, async () => {
            while (next < upTo) {
              const res = await claim(api.url, coupon.couponId, tokens[next++]!);
              expect(res.status).toBe(201);
              claimIds.push(res.body.claimId as string);
            }
          }),
        );
      };
      const until = (what: string, ok: () => boolean) => waitFor(what, ok, { timeoutMs: 60_000, check: stillRunning(batch!, "batch"), detail: batch!.output });

      await claimUpTo(250);
      await until("the first deliveries", () => first.distinct().size >= 50);
      first.mode = "unavailable";
      await claimUpTo(500);
      await until("503s answered", () => first.refused >= 1);
      await first.stop();
      await claimUpTo(750);
      first.mode = "ok";
      await first.start();
      const before = first.distinct().size;
      await until("deliveries after the receiver's restart", () => first.distinct().size >= before + 20);
      // Killed mid-delivery: the backlog of the outage is being sent right now.
      batch!.child.kill("SIGKILL");
      await batch!.exited;
      const mid = first.distinct().size;
      expect(mid).toBeLessThan(CLAIMS);
      batch = await startBatchProcess();
      await claimUpTo(CLAIMS);
      expect(new Set(claimIds).size).toBe(CLAIMS);

      await until(`${CLAIMS} distinct deliveries at the first receiver`, () => first.distinct().size >= CLAIMS);
      expect(first.bad).toEqual([]);
      expect(first.distinct().size).toBe(CLAIMS);
      // One delivery per claim, and only claims: repeats (if any) carried the same id and body.
      expect(new Set(first.received.map((r) => r.body.data.claimId))).toEqual(new Set(claimIds));
      const byId = new Map<string, string>();
      for (const r of first.received) {
        expect(r.body.type).toBe("CouponClaimed");
        const body = JSON.stringify(r.body);
        expect(byId.get(r.deliveryId) ?? body).toBe(body);
        byId.set(r.deliveryId, body);
      }
      const repeats = first.received.length - CLAIMS;
      console.log(
        `webhook drop: ${CLAIMS} claims, ${first.distinct().size} distinct delivery ids, ${repeats} repeats, ${first.refused} answered 503, ${mid} delivered before the SIGKILL`,
      );

      // The hanging receiver got at most its head delivery (retried), nothing was delivered to it, and it held back no one.
      expect(stuck.requests).toBeGreaterThan(0);
      expect(stuck.received).toEqual([]);
      const stuckList = await http("GET", `${api.url}/admin/webhooks/${stuck.webhookId}/deliveries?status=DELIVERED`, { token: admin });
      expect(stuckList.body.items).toEqual([]);
      const firstList = await http("GET", `${api.url}/admin/webhooks/${first.webhookId}/deliveries?status=PENDING`, { token: admin });
      expect(firstList.body.items).toEqual([]);

      const metrics = (await http("GET", `http://127.0.0.1:${batchPort}/metrics`)).text;
      /** The sum of a metric's series whose labels include `label`. */
      const metric = (name: string, label = "") =>
        metrics
          .split("\n")
          .filter((l) => l.startsWith(`${name}{`) && l.includes(label))
          .reduce((sum, l) => sum + Number(l.split(" ").at(-1)), 0);
      expect(metric("notifications_webhook_deliveries_total", 'outcome="delivered"')).toBeGreaterThanOrEqual(CLAIMS - mid);
      expect(metric("notifications_lag_events")).toBeGreaterThanOrEqual(0);
      // The hanging receiver's deliveries are still pending.
      expect(metric("notifications_oldest_pending_delivery_seconds")).toBeGreaterThan(0);
    },
  );
});
