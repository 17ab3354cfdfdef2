import { describe, expect, it } from "vitest";
import { useApps } from "../apps.js";
import { unauthenticated } from "../bad-tokens.js";
import { http, problemCode } from "@surge/testkit/http";
import { createTestContext } from "@surge/testkit/context";
import { readEnv } from "@surge/query-api/env";
import { startQueryApi } from "@surge/query-api/start";
import { appendCoupon } from "@surge/testkit/coupon-events";

const { ctx, apps } = useApps();

describe("query-api failures", () => {
  it("answers 503 PROJECTION_LAG with Retry-After when an appended position is not projected within 5 s", async () => {
    // A store with no projector running: what it appends is never projected.
    const unprojected = await createTestContext();
    const query = await startQueryApi(readEnv({ ...unprojected.appEnv, QUERY_API_PORT: "0" }));
    await appendCoupon(unprojected.store, 0);
    const head = await unprojected.store.headPosition();
    const started = performance.now();
    let res;
    let waited;
    try {
      res = await http("GET", `${query.url}/coupons/whatever`, { headers: { "X-Min-Position": String(head) } });
      waited = performance.now() - started;
    } finally {
      await query.stop();
      await unprojected.close();
    }
    expect(res.status).toBe(503);
    expect(problemCode(res)).toBe("PROJECTION_LAG");
    expect(res.headers["retry-after"]).toBe("1");
    expect(res.headers["x-projection-position"]).toMatch(/^\d+$/);
    // The contract promises a wait of up to 5 s before giving up.
    expect(waited).toBeGreaterThanOrEqual(4900);
  });

  it.each([["-1"], ["abc"], ["1.5"], ["1e3"], [""], ["9999999999999999999999"]])("rejects X-Min-Position %j with 400 on every route", async (value) => {
    const token = await ctx.token("u1");
    for (const path of ["/coupons/c1", "/me/coupons"]) {
      const res = await http("GET", `${apps.query}${path}`, { token, headers: { "X-Min-Position": value } });
      expect(res.status, path).toBe(400);
      expect(problemCode(res)).toBe("VALIDATION_FAILED");
      expect(res.body.errors).toEqual([{ path: "X-Min-Position", message: expect.any(String) }]);
    }
  });

  it("rejects an unknown status on /me/coupons with 400", async () => {
    for (const status of ["BOGUS", "available", "AVAILABLE,USED"]) {
      const res = await http("GET", `${apps.query}/me/coupons?status=${status}`, { token: await ctx.token("u1") });
      expect(res.status, status).toBe(400);
      expect(problemCode(res)).toBe("VALIDATION_FAILED");
    }
  });

  it("refuses /me/coupons without a valid token with 401", async () => {
    const cases = await unauthenticated(ctx);
    for (const [name, headers] of cases) {
      const res = await http("GET", `${apps.query}/me/coupons`, { headers });
      expect(res.status, name).toBe(401);
      expect(problemCode(res)).toBe("UNAUTHENTICATED");
      expect(res.headers["x-projection-position"], name).toMatch(/^\d+$/);
    }
  });

  it("answers 401, not a wait, when an unauthenticated request asks for a future position", async () => {
    const res = await http("GET", `${apps.query}/me/coupons`, { headers: { "X-Min-Position": "999999999999" } });
    expect(res.status).toBe(401);
  });

  it("answers 404 for an unknown coupon, 400 for an over-long id, 404 for an unknown route", async () => {
    const unknown = await http("GET", `${apps.query}/coupons/00000000-0000-7000-8000-000000000000`);
    expect(unknown.status).toBe(404);
    expect(problemCode(unknown)).toBe("NOT_FOUND");
    expect(unknown.headers["x-projection-position"]).toMatch(/^\d+$/);
    const long = await http("GET", `${apps.query}/coupons/${"x".repeat(65)}`);
    expect(long.status).toBe(400);
    expect(problemCode(long)).toBe("VALIDATION_FAILED");
    const route = await http("GET", `${apps.query}/nowhere`);
    expect(route.status).toBe(404);
    expect(problemCode(route)).toBe("NOT_FOUND");
  });

  it("serves health, readiness, metrics and the OpenAPI document", async () => {
    expect((await http("GET", `${apps.query}/health`)).status).toBe(200);
    expect((await http("GET", `${apps.query}/ready`)).status).toBe(200);
    expect((await fetch(`${apps.query}/metrics`)).status).toBe(200);
    const doc = await http("GET", `${apps.query}/openapi.json`);
    expect(Object.keys(doc.body.paths as object)).toEqual(expect.arrayContaining(["/coupons/{couponId}", "/me/coupons"]));
  });
});
