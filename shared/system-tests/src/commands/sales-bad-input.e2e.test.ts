import { beforeAll, describe, expect, it } from "vitest";
import { bearer, http } from "@surge/testkit/http";
import { createProduct, createSale, freshKey } from "@surge/testkit/sales";
import { createLogger } from "@surge/platform/logging";
import { saleTag } from "@surge/areas/sales/events";
import { StockGuard, saleKeys } from "@surge/areas/sales/stock-guard";
import { useApi } from "../command-harness.js";

const { ctx, api } = useApi();
let admin: string;
let user: string;
let productId: string;
let dealId: string;
let eventId: string;
beforeAll(async () => {
  admin = await ctx.token("admin1", "admin");
  user = await ctx.token("u1");
  productId = await createProduct(api.url, admin);
  const sale = await createSale(api.url, admin, { deals: [{ price: 1_000, stock: 10 }] });
  dealId = sale.deals[0]!.dealId;
  eventId = sale.eventId;
});

/** A bad request must answer the contract's 4xx problem and append nothing. */
async function rejected(req: Promise<{ status: number; headers: any; body: any }>, status: number, code: string) {
  const before = await ctx.store.headPosition();
  const r = await req;
  expect({ status: r.status, code: r.body?.code }).toEqual({ status, code });
  expect(r.headers["content-type"]).toBe("application/problem+json");
  expect(await ctx.store.headPosition()).toBe(before);
  return r.body;
}

const post = (path: string, body: unknown, token = admin, headers: Record<string, string> = {}) =>
  http("POST", `${api.url}${path}`, { headers: { ...bearer(token), "content-type": "application/json", ...headers }, body: body as object });
const inAnHour = () => new Date(Date.now() + 3600_000).toISOString();
const validEvent = () => ({ name: "E", opensAt: inAnHour(), deals: [{ productId, salePrice: 100, stock: 5 }] });

describe("POST /admin/products", () => {
  it.each([
    ["negative price", { name: "P", price: -1 }],
    ["float price", { name: "P", price: 10.5 }],
    ["price over 100,000,000", { name: "P", price: 100_000_001 }],
    ["empty name", { name: "", price: 1 }],
    ["unknown field", { name: "P", price: 1, color: "red" }],
  ])("%s → 400", (_n, body) => rejected(post("/admin/products", body), 400, "VALIDATION_FAILED"));

  it("a user token → 403", () => rejected(post("/admin/products", { name: "P", price: 1 }, user), 403, "FORBIDDEN"));
});

describe("POST /admin/events", () => {
  it.each([
    ["no deals", { ...validEvent(), deals: [] }],
    ["51 deals", { ...validEvent(), deals: Array.from({ length: 51 }, () => validEvent().deals[0]) }],
    ["stock 0", { ...validEvent(), deals: [{ productId, salePrice: 100, stock: 0 }] }],
    ["unknown product", { ...validEvent(), deals: [{ productId: "nope", salePrice: 100, stock: 5 }] }],
    ["the same product twice", { ...validEvent(), deals: [validEvent().deals[0], validEvent().deals[0]] }],
    ["closesAt before opensAt", { ...validEvent(), closesAt: new Date(Date.now() + 60_000).toISOString() }],
    ["goods quantity 0", { ...validEvent(), goods: { name: "Tote", quantity: 0 } }],
    ["opensAt not an instant", { ...validEvent(), opensAt: "tomorrow" }],
  ])("%s → 400", (_n, body) => rejected(post("/admin/events", body), 400, "VALIDATION_FAILED"));

  it("open/close of an unknown event → 404", async () => {
    await rejected(post("/admin/events/nope/open", undefined), 404, "NOT_FOUND");
    await rejected(post("/admin/events/nope/close", undefined), 404, "NOT_FOUND");
  });
});

describe("POST /orders", () => {
  const postOrder = (body: unknown, key = freshKey()) => post("/orders", body, user, { "idempotency-key": key });

  it.each([
    ["no items", { items: [] }],
    ["11 items", { items: Array.from({ length: 11 }, (_, i) => ({ dealId: `${eventId}-d${i + 1}`, quantity: 1 })) }],
    ["quantity 0", { items: [{ dealId, quantity: 0 }] }],
    ["quantity as a string", { items: [{ dealId, quantity: "1" }] }],
    [
      "the same deal twice",
      {
        items: [
          { dealId, quantity: 1 },
          { dealId, quantity: 1 },
        ],
      },
    ],
    ["unknown field", { items: [{ dealId, quantity: 1 }], gift: true }],
    ["unknown field in an item", { items: [{ dealId, quantity: 1, price: 1 }] }],
  ])("%s → 400", (_n, body) => rejected(postOrder(body), 400, "VALIDATION_FAILED"));

  it("deals of two events → 400", async () => {
    const other = await createSale(api.url, admin, { deals: [{ price: 1_000, stock: 10 }] });
    await rejected(
      postOrder({
        items: [
          { dealId, quantity: 1 },
          { dealId: other.deals[0]!.dealId, quantity: 1 },
        ],
      }),
      400,
      "VALIDATION_FAILED",
    );
  });

  it("an unknown deal → 404", async () => {
    await rejected(postOrder({ items: [{ dealId: "no-such-deal", quantity: 1 }] }), 404, "NOT_FOUND");
    await rejected(postOrder({ items: [{ dealId: `${eventId}-d9`, quantity: 1 }] }), 404, "NOT_FOUND");
  });

  it("malformed JSON → 400, no token → 401", async () => {
    await rejected(
      http("POST", `${api.url}/orders`, { headers: { ...bearer(user), "content-type": "application/json", "idempotency-key": freshKey() }, body: "{" }),
      400,
      "VALIDATION_FAILED",
    );
    await rejected(
      http("POST", `${api.url}/orders`, { headers: { "idempotency-key": freshKey() }, body: { items: [{ dealId, quantity: 1 }] } }),
      401,
      "UNAUTHENTICATED",
    );
  });

  it("an order whose amount would pass the largest amount stored → 400; no event, no stock taken", async () => {
    // 100,000,000 a unit (the most a deal may ask) × 1,001 units passes MAX_AMOUNT (100,000,000,000).
    const product = await createProduct(api.url, admin, "Dear", 100_000_000);
    const deals = [{ productId: product, salePrice: 100_000_000, stock: 2_000, perUserLimit: 2_000 }];
    const dear = (await post("/admin/events", { name: "Dear", opensAt: new Date(Date.now() - 1000).toISOString(), deals })).body;
    const deal: string = dear.deals[0].dealId;
    const body = await rejected(postOrder({ items: [{ dealId: deal, quantity: 1_001 }] }), 400, "VALIDATION_FAILED");
    expect(body.errors).toEqual([expect.objectContaining({ path: "items.0.quantity" })]);
    expect(await ctx.store.readByTag(saleTag(dear.eventId))).toEqual([]);
    const guard = new StockGuard(ctx.redis, ctx.store, { reservationTtlMs: 30_000 }, createLogger("test", "silent", false));
    expect(await guard.remaining(dear.eventId)).toEqual({ [deal]: 2_000 });
    expect(await ctx.redis.hlen(saleKeys(dear.eventId)[4])).toBe(0);
    // At the maximum exactly, the order is taken.
    expect((await postOrder({ items: [{ dealId: deal, quantity: 1_000 }] })).status).toBe(201);
  });

  it("cancel of an unknown order → 404", () => rejected(post("/orders/nope/cancel", undefined, user), 404, "NOT_FOUND"));
});
