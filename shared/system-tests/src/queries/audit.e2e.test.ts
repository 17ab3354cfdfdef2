import { describe, expect, it } from "vitest";
import { bearer, http } from "@surge/testkit/http";
import { useApps } from "../apps.js";

const { ctx, apps } = useApps();

describe("GET /admin/audit/streams/{streamId}", () => {
  it("serves a stream's history from the store to admins only", async () => {
    const admin = await ctx.token("auditor", "admin");
    const created = await http("POST", `${apps.command}/admin/coupons`, {
      headers: bearer(admin),
      body: { name: "A", discount: { type: "FIXED", amount: 1 }, quantity: 3 },
    });
    const user = await ctx.token("u1");
    await http("POST", `${apps.command}/coupons/${created.body.couponId}/claims`, { headers: bearer(user) });
    const streamId = `coupon-${created.body.couponId}`;

    const res = await http("GET", `${apps.query}/admin/audit/streams/${streamId}`, { headers: bearer(admin) });
    expect(res.status).toBe(200);
    expect(res.body.streamId).toBe(streamId);
    expect(res.body.events.map((e: { type: string; version: number }) => [e.version, e.type])).toEqual([
      [1, "CouponCreated"],
      [2, "CouponClaimed"],
    ]);
    expect(res.body.events[1]).toMatchObject({
      data: { userId: "u1" },
      metadata: { userId: "u1", correlationId: expect.any(String) },
      position: expect.any(Number),
    });

    expect((await http("GET", `${apps.query}/admin/audit/streams/${streamId}`, { headers: bearer(user) })).status).toBe(403);
    expect((await http("GET", `${apps.query}/admin/audit/streams/${streamId}`)).status).toBe(401);
    const missing = await http("GET", `${apps.query}/admin/audit/streams/coupon-nope`, { headers: bearer(admin) });
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe("NOT_FOUND");
  });
});
