import { beforeAll, describe, expect, it } from "vitest";
import { after, header, http, problemCode, type HttpResponse } from "@surge/testkit/http";
import { createProduct, createSale, placeOrder, type Sale } from "@surge/testkit/sales";
import { useApps } from "../apps.js";
import { getProduct } from "../catalog-harness.js";
import { claim, createCoupon } from "../command-harness.js";

const SHOP = "https://shop.example.com";
const { ctx, apps } = useApps({ CORS_ORIGINS: `${SHOP}, http://localhost:5173`, PUBLIC_CACHE_MAX_AGE_S: "3" });
let admin: string;
beforeAll(async () => {
  admin = await ctx.token("admin1", "admin");
});

const hour = 3600_000;
const get = (path: string, headers: Record<string, string> = {}) => http("GET", `${apps.query}${path}`, { headers });
const expectRejected = (res: HttpResponse, status: number, code: string) => expect([res.status, problemCode(res)], res.text).toEqual([status, code]);

/** Every page of a keyset list, in order. */
async function walk(path: string, headers: Record<string, string> = {}): Promise<{ ids: string[]; pages: number; items: any[] }> {
  const items: any[] = [];
  let cursor: string | null = "";
  let pages = 0;
  while (cursor !== null) {
    const res = await get(`${path}${path.includes("?") ? "&" : "?"}cursor=${cursor}`, headers);
    expect(res.status, res.text).toBe(200);
    items.push(...(res.body.items as any[]));
    cursor = res.body.nextCursor as string | null;
    pages++;
  }
  return { ids: items.map((i) => i.productId ?? i.couponId), pages, items };
}

describe("GET /products", () => {
  it("lists products newest first with keyset pages; onSale keeps those with a scheduled or open deal; the detail shows live deals", async () => {
    const plain = await createProduct(apps.command, admin, "Plain", 1_000);
    const open = await createSale(apps.command, admin, { deals: [{ price: 9_900, stock: 10, perUserLimit: 2 }] });
    const later = await createSale(apps.command, admin, { deals: [{ price: 5_000, stock: 5 }], opensAt: new Date(Date.now() + hour).toISOString() });
    const closed = await createSale(apps.command, admin, { deals: [{ price: 100, stock: 1 }] });
    const closing = await http("POST", `${apps.command}/admin/events/${closed.eventId}/close`, { token: admin });
    expect(closing.status).toBe(200);
    const productOf = (sale: Sale) => sale.deals[0]!.productId;
    const [onSale, scheduled, ended] = [productOf(open), productOf(later), productOf(closed)];
    // The open sale's product also gets a deal in a second, later sale.
    const second = await http("POST", `${apps.command}/admin/events`, {
      token: admin,
      body: {
        name: "Encore",
        opensAt: new Date(Date.now() + 2 * hour).toISOString(),
        closesAt: new Date(Date.now() + 3 * hour).toISOString(),
        deals: [{ productId: onSale, salePrice: 8_800, stock: 20 }],
      },
    });
    expect(second.status).toBe(201);
    const headers = after(second);

    const detail = await getProduct(apps.query, onSale, headers);
    const deal = (open.reply.body.deals as any[])[0];
    expect(detail).toEqual({
      productId: onSale,
      name: "Product 1",
      price: 19_800,
      likes: 0,
      views: 0,
      deals: [
        {
          dealId: deal.dealId,
          eventId: open.eventId,
          eventName: "Flash",
          eventStatus: "OPEN",
          opensAt: open.reply.body.opensAt,
          closesAt: null,
          salePrice: 9_900,
          stock: 10,
          remaining: 10,
          perUserLimit: 2,
        },
        {
          dealId: (second.body.deals as any[])[0].dealId,
          eventId: second.body.eventId,
          eventName: "Encore",
          eventStatus: "SCHEDULED",
          opensAt: second.body.opensAt,
          closesAt: second.body.closesAt,
          salePrice: 8_800,
          stock: 20,
          remaining: 20,
          perUserLimit: 1,
        },
      ],
    });
    const ordered = await placeOrder(apps.command, await ctx.token("buyer"), [{ dealId: deal.dealId, quantity: 2 }]);
    expect((await getProduct(apps.query, onSale, after(ordered))).deals[0]).toMatchObject({ stock: 10, remaining: 8 });
    // A closed sale's deal is not shown.
    expect((await getProduct(apps.query, ended)).deals).toEqual([]);

    const newestFirst = [ended, scheduled, onSale, plain]; // created in the opposite order
    const all = await walk("/products?limit=3", headers);
    expect(all.ids).toEqual(newestFirst);
    expect(all.pages).toBe(2);
    expect(all.items.find((p) => p.productId === onSale)).toEqual(await getProduct(apps.query, onSale));
    expect((await walk("/products?onSale=true&limit=1", headers)).ids).toEqual([scheduled, onSale]);
    expect((await walk("/products?onSale=false", headers)).ids).toEqual([ended, plain]);
  });

  it("answers 404 for an unknown product and 400 for bad parameters", async () => {
    expectRejected(await get("/products/no-such-product"), 404, "NOT_FOUND");
    expectRejected(await get(`/products/${"x".repeat(65)}`), 400, "VALIDATION_FAILED");
    for (const qs of ["limit=0", "limit=101", "onSale=yes", "cursor=nonsense!"]) expectRejected(await get(`/products?${qs}`), 400, "VALIDATION_FAILED");
  });
});

describe("GET /coupons", () => {
  it("lists OPEN (claimable now) and UPCOMING drops by claim opening, in keyset pages", async () => {
    const create = async (body: Record<string, unknown>) =>
      (await createCoupon(apps.command, admin, { name: "Drop", discount: { type: "FIXED", amount: 1000 }, quantity: 10, ...body })).couponId;
    const at = (ms: number) => new Date(Date.now() + ms).toISOString();
    const open2 = await create({ claimOpensAt: at(-hour) });
    const open1 = await create({ claimOpensAt: at(-2 * hour), claimClosesAt: at(hour) });
    const soldOut = await create({ quantity: 1, claimOpensAt: at(-3 * hour) });
    const upcoming2 = await create({ claimOpensAt: at(2 * hour) });
    const upcoming1 = await create({ claimOpensAt: at(hour) });
    const claimed = await claim(apps.command, soldOut, await ctx.token("early"));
    expect(claimed.status).toBe(201);
    const headers = after(claimed);

    const openList = await walk("/coupons?status=OPEN&limit=1", headers);
    expect(openList.ids).toEqual([open1, open2]);
    expect(openList.pages).toBe(2);
    expect(openList.items[0]).toEqual((await get(`/coupons/${open1}`)).body);
    expect((await walk("/coupons?status=UPCOMING&limit=100", headers)).ids).toEqual([upcoming1, upcoming2]);
    expect((await walk("/coupons?limit=2", headers)).ids).toEqual([soldOut, open1, open2, upcoming1, upcoming2]);
    for (const qs of ["status=CLOSED", "limit=0", "cursor=%%"]) expectRejected(await get(`/coupons?${qs}`), 400, "VALIDATION_FAILED");
  });
});

describe("conditional public reads", () => {
  it("If-None-Match with the current ETag gives 304; the ETag changes when stock changes", async () => {
    const sale = await createSale(apps.command, admin, { deals: [{ price: 2_000, stock: 10 }] });
    const productId = sale.deals[0]!.productId;
    const path = `/products/${productId}`;
    const first = await get(path, after(sale.reply));
    expect(first.status).toBe(200);
    const tag = header(first, "etag")!;
    expect(tag).toMatch(/^"[\w-]+"$/);
    expect(header(first, "cache-control")).toBe("public, max-age=3");

    const unchanged = await get(path, { "If-None-Match": tag });
    expect(unchanged.status).toBe(304);
    expect(unchanged.text).toBe("");
    expect(header(unchanged, "etag")).toBe(tag);
    expect(header(unchanged, "cache-control")).toBe("public, max-age=3");
    expect(header(unchanged, "x-projection-position")).toMatch(/^\d+$/);
    expect((await get(path, { "If-None-Match": `W/"other", ${tag}` })).status).toBe(304);

    const ordered = await placeOrder(apps.command, await ctx.token("buyer"), [{ dealId: sale.deals[0]!.dealId, quantity: 1 }]);
    const changed = await get(path, { "If-None-Match": tag, ...after(ordered) });
    expect(changed.status).toBe(200);
    expect((changed.body.deals as any[])[0].remaining).toBe(9);
    expect(header(changed, "etag")).not.toBe(tag);
    const events = await get(`/events/${sale.eventId}`);
    expect((await get(`/events/${sale.eventId}`, { "If-None-Match": header(events, "etag")! })).status).toBe(304);
  });

  it("every public read carries an ETag and a short Cache-Control; private reads and errors do not", async () => {
    const sale = await createSale(apps.command, admin, { deals: [{ price: 2_000, stock: 10 }] });
    const coupon = await http("POST", `${apps.command}/admin/coupons`, {
      token: admin,
      body: { name: "C", discount: { type: "FIXED", amount: 1 }, quantity: 1 },
    });
    const headers = after(coupon);
    for (const path of [
      "/products",
      "/products?onSale=true",
      `/events/${sale.eventId}`,
      "/events?status=OPEN",
      "/coupons?status=OPEN",
      `/coupons/${coupon.body.couponId}`,
      "/rankings/products",
      "/rankings/products?by=SCORE",
    ]) {
      const res = await get(path, headers);
      expect(res.status, path).toBe(200);
      expect(header(res, "cache-control"), path).toBe("public, max-age=3");
      const tag = header(res, "etag");
      expect(tag, path).toMatch(/^"[\w-]+"$/);
      expect((await get(path, { "If-None-Match": tag! })).status, path).toBe(304);
    }
    const mine = await http("GET", `${apps.query}/me/cart`, { token: await ctx.token("someone") });
    expect(mine.status).toBe(200);
    expect(header(mine, "cache-control")).toBeNull();
    expect(header(mine, "etag")).toBeNull();
    const missing = await get("/products/nope");
    expect(missing.status).toBe(404);
    expect(header(missing, "etag")).toBeNull();
  });
});

describe("CORS", () => {
  const preflight = (base: string, path: string, origin: string, method: string, requestHeaders: string) =>
    http("OPTIONS", `${base}${path}`, {
      headers: { Origin: origin, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": requestHeaders },
    });
  const corsHeaders = (res: HttpResponse) => Object.keys(res.headers).filter((k) => k.startsWith("access-control-"));

  it("a preflight from a listed origin passes on both APIs; from another origin it gets no CORS headers", async () => {
    for (const [base, path, method, requested] of [
      [apps.command, "/orders", "POST", "authorization,content-type,idempotency-key"],
      [apps.command, "/cart/items/some-deal", "PUT", "authorization,content-type"],
      [apps.query, "/products", "GET", "if-none-match,x-min-position"],
    ] as const) {
      const ok = await preflight(base, path, SHOP, method, requested);
      expect(ok.status, path).toBe(204);
      expect(header(ok, "access-control-allow-origin")).toBe(SHOP);
      expect(header(ok, "access-control-allow-methods")?.split(",")).toContain(method);
      for (const h of requested.split(",")) expect(header(ok, "access-control-allow-headers")?.toLowerCase().split(",")).toContain(h);
      expect(header(ok, "access-control-max-age")).toBe("600");

      const other = await preflight(base, path, "https://evil.example.com", method, requested);
      expect(corsHeaders(other), path).toEqual([]);
      expect(other.status).not.toBe(204);
    }
  });

  it("answers a listed origin's requests with its origin and the headers it may read; others get none", async () => {
    const listed = await get("/products", { Origin: "http://localhost:5173" });
    expect(listed.status).toBe(200);
    expect(header(listed, "access-control-allow-origin")).toBe("http://localhost:5173");
    expect(header(listed, "access-control-expose-headers")?.split(",")).toEqual(expect.arrayContaining(["ETag", "X-Position", "X-Projection-Position"]));
    expect(header(listed, "vary")).toContain("Origin");
    const token = await ctx.token("cors-user");
    const command = await http("PUT", `${apps.command}/products/no-such-product/like`, { token, headers: { Origin: SHOP } });
    expect(command.status).toBe(404);
    expect(header(command, "access-control-allow-origin")).toBe(SHOP);

    for (const origin of ["https://evil.example.com", "https://shop.example.com.evil.io", "null"]) {
      const other = await get("/products", { Origin: origin });
      expect(other.status).toBe(200);
      expect(corsHeaders(other)).toEqual([]);
      expect(header(other, "vary")).toContain("Origin");
    }
  });
});

describe("the OpenAPI documents", () => {
  const schemaOf = (op: any, status: string) => op?.responses?.[status]?.content?.["application/json"]?.schema;

  it("describe every new route with its request and response schemas", async () => {
    const query = (await get("/openapi.json")).body;
    for (const [path, params] of [
      ["/products", ["onSale", "limit", "cursor"]],
      ["/products/{productId}", ["productId"]],
      ["/coupons", ["status", "limit", "cursor"]],
      ["/me/cart", []],
    ] as const) {
      const op = query.paths[path]?.get;
      expect(schemaOf(op, "200"), path).toBeDefined();
      for (const p of params)
        expect(
          (op.parameters as any[]).map((x) => x.name),
          path,
        ).toContain(p);
    }
    expect(query.paths["/rankings/products"].get.parameters.find((p: any) => p.name === "by").schema.enum).toEqual(["QUANTITY", "REVENUE", "SCORE"]);
    expect(query.components.schemas.RankedProduct.required).toEqual(expect.arrayContaining(["views", "likes", "score"]));

    const command = (await http("GET", `${apps.command}/openapi.json`)).body;
    for (const [path, method, status, body] of [
      ["/products/{productId}/like", "put", "200", false],
      ["/products/{productId}/like", "delete", "200", false],
      ["/products/{productId}/views", "post", "202", false],
      ["/cart/items/{dealId}", "put", "200", true],
      ["/cart/items/{dealId}", "delete", "200", false],
      ["/orders", "post", "201", true],
    ] as const) {
      const op = command.paths[path]?.[method];
      expect(schemaOf(op, status), `${method} ${path}`).toBeDefined();
      if (body) expect(op.requestBody.content["application/json"].schema, `${method} ${path}`).toBeDefined();
    }
    expect(command.paths["/orders"].post.requestBody.content["application/json"].schema.properties).toHaveProperty("fromCart");
  });
});
