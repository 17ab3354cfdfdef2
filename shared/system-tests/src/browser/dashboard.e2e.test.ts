import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { readEnv } from "@surge/query-api/env";
import { startQueryApi, type QueryApi } from "@surge/query-api/start";
import { after, http } from "@surge/testkit/http";
import { createSale, order } from "@surge/testkit/sales";
import { waitFor } from "@surge/testkit/wait";
import { useApps } from "../apps.js";
import { launchChromium } from "./chromium.js";

/** Set (to anything) by `npm run screenshot`: the coupon drop test then saves the page mid-drop here. */
const SCREENSHOT = process.env.DASHBOARD_SCREENSHOT ? resolve(import.meta.dirname, "../../../../docs/dashboard.png") : null;

const { ctx, apps } = useApps({ LIVE_RETRY_MS: "300" });
let browser: Browser;
/** What went wrong in each page: script errors, and requests to anywhere but query-api. */
const failures = new WeakMap<Page, string[]>();
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

async function openDashboard(base: string): Promise<Page> {
  // Reduced motion: the bars jump to their figures instead of sliding (a screenshot shows them as they are).
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 }, reducedMotion: "reduce" });
  const problems: string[] = [];
  failures.set(page, problems);
  page.on("pageerror", (err) => problems.push(err.message));
  // Anything but this origin would be a run-time fetch the page must not make.
  page.on("request", (req) => {
    if (!req.url().startsWith(base)) problems.push(`fetched ${req.url()}`);
  });
  const res = await page.goto(`${base}/dashboard`);
  expect(res?.status()).toBe(200);
  return page;
}

async function closeClean(page: Page) {
  await page.close();
  expect(failures.get(page)).toEqual([]);
}

/** The figure a bar shows (its data-value, the number behind the formatted text). */
const shown = (page: Page, key: string, field: "remaining" | "used") =>
  page
    .locator(`.bar[data-key="${key}"] .${field}`)
    .getAttribute("data-value", { timeout: 1_000 })
    .then(Number, () => null);
const connState = (page: Page) => page.locator("#conn").getAttribute("data-state");

/** Polls until the page's figures for `key` are these (the page only ever gets them from the stream). */
async function untilShown(page: Page, key: string, want: { remaining: number; used: number }, what: string) {
  let seen = {};
  await waitFor(
    what,
    async () => {
      seen = { remaining: await shown(page, key, "remaining"), used: await shown(page, key, "used") };
      return JSON.stringify(seen) === JSON.stringify(want);
    },
    { timeoutMs: 20_000, everyMs: 50, detail: () => `the page shows ${JSON.stringify(seen)}` },
  );
}

async function createDrop(quantity: number, name: string) {
  const reply = await http("POST", `${apps.command}/admin/coupons`, {
    token: await ctx.token("admin1", "admin"),
    body: { name, discount: { type: "FIXED", amount: 3000 }, quantity },
  });
  expect(reply.status).toBe(201);
  // Caught up before the page lists the open drops.
  expect((await http("GET", `${apps.query}/coupons/${reply.body.couponId}`, { headers: after(reply) })).status).toBe(200);
  return reply.body.couponId as string;
}

const claimAll = (couponId: string, users: string[]) =>
  Promise.all(users.map(async (u) => (await http("POST", `${apps.command}/coupons/${couponId}/claims`, { token: await ctx.token(u) })).status));

async function pick(page: Page, kind: "coupon" | "event", id: string) {
  await page.locator(`nav button[data-kind="${kind}"][data-id="${id}"]`).click({ timeout: 15_000 });
  await waitFor(`the ${kind}'s stream to be live`, async () => (await connState(page)) === "live", 15_000);
}

describe("GET /dashboard in headless Chromium", () => {
  it("serves the page and its assets from query-api, with a policy that allows this origin only", async () => {
    const res = await http("GET", `${apps.query}/dashboard`);
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/html/);
    expect(res.headers["content-security-policy"]).toContain("default-src 'self'");
    for (const asset of ["app.js", "app.css"]) expect((await http("GET", `${apps.query}/dashboard/${asset}`)).status).toBe(200);
  });

  it("follows a coupon drop of 150 users on 100 coupons until the screen shows the read model's numbers", async () => {
    const couponId = await createDrop(100, "Coupon drop 3,000 won");
    const page = await openDashboard(apps.query);
    await pick(page, "coupon", couponId);
    await untilShown(page, "coupon", { remaining: 100, used: 0 }, "the untouched drop");
    expect(await page.locator("#title").textContent()).toBe("Coupon drop 3,000 won");

    // In waves, so the screen is seen to drain step by step, not only to end at zero.
    const users = Array.from({ length: 150 }, (_, i) => `dash-c${i}`);
    const statuses: number[] = [];
    const chartPoints = async () => ((await page.locator("#line").getAttribute("points")) ?? "").split(" ").filter(Boolean).length;
    for (let wave = 0; wave < 5; wave++) {
      if (SCREENSHOT) {
        // Paced by the page's own one-a-second samples, so the picture has a rate curve to show.
        const before = await chartPoints();
        await waitFor("the chart to move on", async () => (await chartPoints()) >= before + 2, 15_000);
      }
      statuses.push(...(await claimAll(couponId, users.slice(wave * 30, wave * 30 + 30))));
      const claimed = statuses.filter((s) => s === 201).length;
      await untilShown(page, "coupon", { remaining: 100 - claimed, used: claimed }, `the page after wave ${wave + 1}`);
      if (wave === 1 && SCREENSHOT) {
        await waitFor("a rate on the chart", async () => Number(await page.locator("#rate").getAttribute("data-value")) > 0, 15_000);
        await page.screenshot({ path: SCREENSHOT });
      }
    }
    expect(statuses.filter((s) => s === 201)).toHaveLength(100);
    expect(statuses.filter((s) => s === 409)).toHaveLength(50);

    const readModel = (await http("GET", `${apps.query}/coupons/${couponId}`)).body;
    expect(readModel).toMatchObject({ claimed: 100, remaining: 0 });
    await untilShown(page, "coupon", { remaining: readModel.remaining, used: readModel.claimed }, "the read model's numbers");
    // No personal data: none of the claimants' user ids is anywhere on the page.
    const text = (await page.locator("body").textContent()) ?? "";
    expect(text).not.toContain("dash-c");
    // The rate chart was drawn from the claims per second the stream sent.
    await waitFor("the rate line", async () => (await chartPoints()) > 1, 15_000);
    await closeClean(page);
  });

  it("follows a sale event's deals until every deal shows the read model's sold count and 0 remaining", async () => {
    const admin = await ctx.token("admin1", "admin");
    const sale = await createSale(apps.command, admin, {
      deals: [
        { price: 1_000, stock: 20, perUserLimit: 1 },
        { price: 2_000, stock: 8, perUserLimit: 1 },
      ],
    });
    await http("GET", `${apps.query}/events/${sale.eventId}`, { headers: after(sale.reply) });
    const [d1, d2] = sale.deals.map((d) => d.dealId) as [string, string];
    const page = await openDashboard(apps.query);
    await pick(page, "event", sale.eventId);
    await untilShown(page, d1, { remaining: 20, used: 0 }, "deal 1 untouched");
    await untilShown(page, d2, { remaining: 8, used: 0 }, "deal 2 untouched");

    // 25 buyers for 20 of deal 1, and 10 of them also for the 8 of deal 2.
    const wants = [
      ...Array.from({ length: 25 }, (_, i) => ({ user: `dash-o${i}`, dealId: d1 })),
      ...Array.from({ length: 10 }, (_, i) => ({ user: `dash-o${i}`, dealId: d2 })),
    ];
    const replies = await Promise.all(wants.map(async (w) => order(apps.command, await ctx.token(w.user), [{ dealId: w.dealId, quantity: 1 }])));
    expect(replies.filter((r) => r.status === 201)).toHaveLength(28);
    expect(replies.filter((r) => r.status === 409).every((r) => r.body.code === "SOLD_OUT")).toBe(true);

    // The read model once it holds every order placed.
    const readModel = (await http("GET", `${apps.query}/events/${sale.eventId}`, { headers: after(...replies.filter((r) => r.status === 201)) })).body;
    expect(readModel.deals.map((d: any) => [d.sold, d.remaining])).toEqual([
      [20, 0],
      [8, 0],
    ]);
    for (const d of readModel.deals) await untilShown(page, d.dealId, { remaining: d.remaining, used: d.sold }, `deal ${d.dealId} sold out on screen`);
    expect(await page.locator("#rate-unit").textContent()).toBe("orders / s");
    await waitFor("the top products list", async () => (await page.locator("#top li").count()) > 0, 15_000);
    await closeClean(page);
  });

  it("shows that it is reconnecting while query-api is down, and resumes with the current numbers when it is back", async () => {
    const couponId = await createDrop(10, "Reconnect drop");
    let own: QueryApi = await startQueryApi(readEnv({ ...ctx.appEnv, LIVE_RETRY_MS: "300", QUERY_API_PORT: "0" }));
    try {
      const page = await openDashboard(own.url);
      await pick(page, "coupon", couponId);
      await untilShown(page, "coupon", { remaining: 10, used: 0 }, "the drop before the outage");

      await own.stop();
      await waitFor("the page to say it is reconnecting", async () => (await connState(page)) === "reconnecting", 15_000);
      // Claims made while the page cannot hear about them.
      expect(await claimAll(couponId, ["dash-r1", "dash-r2", "dash-r3"])).toEqual([201, 201, 201]);

      own = await startQueryApi(readEnv({ ...ctx.appEnv, LIVE_RETRY_MS: "300", QUERY_API_PORT: String(own.port) }));
      await waitFor("the page to be live again", async () => (await connState(page)) === "live", 20_000);
      await untilShown(page, "coupon", { remaining: 7, used: 3 }, "the numbers after the outage");
      // And it goes on following the stream it reopened.
      expect(await claimAll(couponId, ["dash-r4"])).toEqual([201]);
      await untilShown(page, "coupon", { remaining: 6, used: 4 }, "a claim after the reconnection");
      await closeClean(page);
    } finally {
      await own.stop();
    }
  });
});
