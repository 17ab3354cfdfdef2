import { describe, expect, it } from "vitest";
import { useApps } from "../apps.js";
import { unauthenticated } from "../bad-tokens.js";
import { after, http, problemCode } from "@surge/testkit/http";
import { createSale, placeOrder } from "@surge/testkit/sales";

const { ctx, apps } = useApps();

const b64 = (text: string) => Buffer.from(text).toString("base64url");
const badCursors = [
  "not!base64",
  "abc+/=",
  b64("{}"),
  b64("[1,2]"),
  b64('["yesterday","x"]'),
  b64(`["2026-11-21T09:00:00.000Z","${"x".repeat(65)}"]`),
  "x".repeat(600),
];

async function expect400(path: string, token?: string) {
  const res = await http("GET", `${apps.query}${path}`, { ...(token ? { token } : {}) });
  expect(res.status, path).toBe(400);
  expect(problemCode(res), path).toBe("VALIDATION_FAILED");
  expect(res.body.errors, path).toEqual(expect.arrayContaining([expect.objectContaining({ path: expect.any(String), message: expect.any(String) })]));
  return res;
}

describe("query-api sales routes refuse bad input with contract problems", () => {
  it("GET /events: bad status, limit out of 1–100 or not an integer, bad cursor → 400", async () => {
    for (const q of ["status=BOGUS", "status=open", "status=OPEN,CLOSED", "limit=0", "limit=101", "limit=-1", "limit=1.5", "limit=abc", "limit="])
      await expect400(`/events?${q}`);
    for (const c of badCursors)
      expect((await expect400(`/events?cursor=${encodeURIComponent(c)}`)).body.errors).toEqual([{ path: "cursor", message: expect.any(String) }]);
    for (const q of ["limit=1", "limit=100", "status=OPEN", "status=", "cursor="]) expect((await http("GET", `${apps.query}/events?${q}`)).status, q).toBe(200);
  });

  it("GET /me/orders: bad status, limit or cursor → 400; missing or bad token → 401", async () => {
    const token = await ctx.token("u1");
    for (const q of ["status=BOGUS", "status=pending_payment", "limit=0", "limit=101", "limit=x"]) await expect400(`/me/orders?${q}`, token);
    for (const c of badCursors) await expect400(`/me/orders?cursor=${encodeURIComponent(c)}`, token);
    // A well-formed cursor is only a keyset position: it pages (here to nothing), it does not fail.
    expect((await http("GET", `${apps.query}/me/orders?cursor=${b64('["2026-11-21T09:00:00.000Z","x"]')}`, { token })).status).toBe(200);
  });

  it("GET /me/orders and GET /orders/{id} without a valid token → 401", async () => {
    const cases = await unauthenticated(ctx);
    for (const path of ["/me/orders", "/orders/00000000-0000-5000-8000-000000000000"]) {
      for (const [name, headers] of cases) {
        const res = await http("GET", `${apps.query}${path}`, { headers });
        expect(res.status, `${path} ${name}`).toBe(401);
        expect(problemCode(res)).toBe("UNAUTHENTICATED");
        expect(res.headers["x-projection-position"]).toMatch(/^\d+$/);
      }
    }
  });

  it("GET /orders/{id}: someone else's order → 404, over-long id → 400", async () => {
    const sale = await createSale(apps.command, await ctx.token("admin1", "admin"), { deals: [{ price: 1_000, stock: 5 }] });
    const placed = await placeOrder(apps.command, await ctx.token("mine"), [{ dealId: sale.deals[0]!.dealId, quantity: 1 }]);
    const other = await http("GET", `${apps.query}/orders/${placed.body.orderId}`, { token: await ctx.token("theirs"), headers: after(placed) });
    expect(other.status).toBe(404);
    expect(problemCode(other)).toBe("NOT_FOUND");
    await expect400(`/orders/${"x".repeat(65)}`, await ctx.token("mine"));
  });

  it("GET /events/{id} and /live: unknown → 404, over-long id → 400, bad X-Min-Position → 400", async () => {
    for (const path of ["/events/00000000-0000-7000-8000-000000000000", "/events/00000000-0000-7000-8000-000000000000/live"]) {
      const res = await http("GET", `${apps.query}${path}`);
      expect(res.status, path).toBe(404);
      expect(problemCode(res)).toBe("NOT_FOUND");
      expect(res.headers["x-projection-position"]).toMatch(/^\d+$/);
    }
    await expect400(`/events/${"x".repeat(65)}`);
    await expect400(`/events/${"x".repeat(65)}/live`);
    const token = await ctx.token("u1");
    for (const path of ["/events", "/events/e1", "/events/e1/live", "/me/orders", "/orders/o1"]) {
      const res = await http("GET", `${apps.query}${path}`, { token, headers: { "X-Min-Position": "-1" } });
      expect(res.status, path).toBe(400);
      expect(res.body.errors).toEqual([{ path: "X-Min-Position", message: expect.any(String) }]);
    }
  });

  it("lists the new routes in the OpenAPI document", async () => {
    const doc = await http("GET", `${apps.query}/openapi.json`);
    expect(Object.keys(doc.body.paths as object)).toEqual(
      expect.arrayContaining(["/events", "/events/{eventId}", "/events/{eventId}/live", "/me/orders", "/orders/{orderId}"]),
    );
  });
});
