import { beforeAll, describe, expect, it } from "vitest";
import { sign } from "hono/jwt";
import { bearer, http } from "@surge/testkit/http";
import { createCoupon, useApi } from "../command-harness.js";

const { ctx, api } = useApi();
let admin: string;
let user: string;
let couponId: string;
beforeAll(async () => {
  admin = await ctx.token("admin1", "admin");
  user = await ctx.token("u1");
  couponId = (await createCoupon(api.url, admin, { quantity: 5 })).couponId;
});

const valid = { name: "WELCOME", discount: { type: "FIXED", amount: 5000 }, quantity: 10 };

/** Every bad request must be a 4xx problem+json with the expected code and must append nothing. */
async function expectRejected(res: Promise<{ status: number; headers: any; body: any }>, status: number, code: string) {
  const before = await ctx.store.headPosition();
  const r = await res;
  expect({ status: r.status, code: r.body?.code }).toEqual({ status, code });
  expect(r.headers["content-type"]).toBe("application/problem+json");
  expect(r.body.type).toBe(`urn:surge:problem:${code.toLowerCase().replace(/_/g, "-")}`);
  expect(r.body.status).toBe(status);
  expect(typeof r.body.detail).toBe("string");
  expect(await ctx.store.headPosition()).toBe(before);
  return r.body;
}

const postCoupon = (body: string | object, headers: Record<string, string> = bearer(admin)) =>
  http("POST", `${api.url}/admin/coupons`, { headers: { "content-type": "application/json", ...headers }, body });

describe("POST /admin/coupons rejects bad input", () => {
  it("malformed JSON", () => expectRejected(postCoupon("{bad"), 400, "VALIDATION_FAILED"));

  it.each([
    ["unknown field", { ...valid, extra: 1 }, "extra"],
    ["quantity as a string", { ...valid, quantity: "10" }, "quantity"],
    ["quantity 0", { ...valid, quantity: 0 }, "quantity"],
    ["quantity above 10,000,000", { ...valid, quantity: 10_000_001 }, "quantity"],
    ["fractional quantity", { ...valid, quantity: 1.5 }, "quantity"],
    ["empty name", { ...valid, name: "" }, "name"],
    ["name over 200 chars", { ...valid, name: "x".repeat(201) }, "name"],
    ["missing discount", { name: "x", quantity: 1 }, "discount"],
    ["unknown discount type", { ...valid, discount: { type: "BOGO" } }, "discount.type"],
    ["percent above 100", { ...valid, discount: { type: "PERCENT", percent: 101 } }, "discount.percent"],
    ["negative fixed amount", { ...valid, discount: { type: "FIXED", amount: -1 } }, "discount.amount"],
    ["float money", { ...valid, discount: { type: "FIXED", amount: 10.5 } }, "discount.amount"],
    ["perUserLimit 0", { ...valid, perUserLimit: 0 }, "perUserLimit"],
    ["negative minOrderAmount", { ...valid, minOrderAmount: -5 }, "minOrderAmount"],
    ["instant without offset", { ...valid, claimOpensAt: "2026-11-21T10:00:00" }, "claimOpensAt"],
    ["closing before opening", { ...valid, claimOpensAt: "2026-11-21T10:00:00Z", claimClosesAt: "2026-11-21T09:00:00Z" }, "claimClosesAt"],
    ["a JSON array", [valid], "(body)"],
  ])("%s", async (_name, body, path) => {
    const problem = await expectRejected(postCoupon(body), 400, "VALIDATION_FAILED");
    expect(problem.errors.map((e: { path: string }) => e.path)).toContain(path);
  });

  it("a body over 64 KiB", () => expectRejected(postCoupon({ ...valid, name: "x".repeat(70_000) }), 413, "PAYLOAD_TOO_LARGE"));

  it("a body that is not JSON", () =>
    expectRejected(
      http("POST", `${api.url}/admin/coupons`, { headers: { ...bearer(admin), "content-type": "text/plain" }, body: "hi" }),
      415,
      "UNSUPPORTED_MEDIA_TYPE",
    ));
});

describe("authentication and authorization", () => {
  it("a missing token is 401 on every command route", async () => {
    await expectRejected(postCoupon(valid, {}), 401, "UNAUTHENTICATED");
    await expectRejected(http("POST", `${api.url}/coupons/${couponId}/claims`), 401, "UNAUTHENTICATED");
  });

  it.each([
    ["expired", () => ctx.token("u1", "user", -10)],
    ["wrongly signed", () => sign({ sub: "u1", role: "user", exp: Math.floor(Date.now() / 1000) + 60 }, "another-secret-0123456789", "HS256")],
    ["without exp", () => sign({ sub: "u1", role: "user" }, ctx.jwtSecret, "HS256")],
    ["with a bad sub", () => sign({ sub: "u 1!", role: "user", exp: Math.floor(Date.now() / 1000) + 60 }, ctx.jwtSecret, "HS256")],
    ["with an unknown role", () => sign({ sub: "u1", role: "root", exp: Math.floor(Date.now() / 1000) + 60 }, ctx.jwtSecret, "HS256")],
    ["not a JWT", async () => "not.a.jwt"],
  ])("a token %s is 401", async (_name, make) => {
    const token = await make();
    await expectRejected(postCoupon(valid, bearer(token)), 401, "UNAUTHENTICATED");
    await expectRejected(http("POST", `${api.url}/coupons/${couponId}/claims`, { headers: bearer(token) }), 401, "UNAUTHENTICATED");
  });

  it("a non-bearer Authorization header is 401", () =>
    expectRejected(http("POST", `${api.url}/coupons/${couponId}/claims`, { headers: { authorization: `Basic ${user}` } }), 401, "UNAUTHENTICATED"));

  it("a user token on an admin route is 403", () => expectRejected(postCoupon(valid, bearer(user)), 403, "FORBIDDEN"));
});

describe("claims and routing", () => {
  it("a coupon id over 64 chars is 400, naming the parameter", async () => {
    const res = http("POST", `${api.url}/coupons/${"x".repeat(65)}/claims`, { headers: bearer(user) });
    await expectRejected(res, 400, "VALIDATION_FAILED");
    expect((await res).body.errors).toEqual([{ path: "couponId", message: expect.stringContaining("64") }]);
  });

  it("an unknown route is a 404 problem", () => expectRejected(http("GET", `${api.url}/nope`), 404, "NOT_FOUND"));

  it("serves health, readiness, metrics and the OpenAPI document", async () => {
    expect((await http("GET", `${api.url}/health`)).status).toBe(200);
    expect((await http("GET", `${api.url}/ready`)).body).toEqual({ status: "ready", down: {} });
    const doc = await http("GET", `${api.url}/openapi.json`);
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(["/admin/coupons", "/coupons/{couponId}/claims"]));
    // The gate checks Idempotency-Key; the document still states where it is required and its bounds.
    const keyOf = (path: string) =>
      (doc.body.paths[path].post.parameters as Array<{ name: string; in: string; required: boolean; schema: unknown }>).find(
        (p) => p.name === "Idempotency-Key",
      );
    expect(keyOf("/orders")).toEqual({ name: "Idempotency-Key", in: "header", required: true, schema: { type: "string", minLength: 1, maxLength: 128 } });
    expect(keyOf("/coupons/{couponId}/claims")).toMatchObject({ in: "header", required: false });
    // The claim route checks its path parameter in the handler; the document still states it.
    expect(doc.body.paths["/coupons/{couponId}/claims"].post.parameters).toContainEqual({
      name: "couponId",
      in: "path",
      required: true,
      schema: { type: "string", minLength: 1, maxLength: 64 },
    });
    expect((await http("GET", `${api.url}/docs`)).text).toContain("swagger");
    const metrics = (await http("GET", `${api.url}/metrics`)).text;
    expect(metrics).toContain("http_request_duration_seconds");
    expect(metrics).toContain("eventstore_append_batch_size");
  });
});
