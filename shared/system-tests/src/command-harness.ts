import { expect } from "vitest";
import { idempotencyRecordKey } from "@surge/command-api/http/idempotency";
import { http } from "@surge/testkit/http";
import { createTestContext, type TestContext } from "@surge/testkit/context";
import { useStarted } from "@surge/testkit/fixture";
import { readEnv } from "@surge/command-api/env";
import { startCommandApi, type CommandApi } from "@surge/command-api/start";

/** The real command-api, started through its composition root on a free port. */
export function startApi(ctx: TestContext, overrides: Record<string, string> = {}): Promise<CommandApi> {
  return startCommandApi(readEnv({ ...ctx.appEnv, COMMAND_API_PORT: "0", ...overrides }));
}

/** What a Redis restart or FLUSHALL does to one Idempotency-Key record (Redis keeps nothing on disk here). */
export async function forgetKeyRecord(ctx: TestContext, userId: string, key: string): Promise<void> {
  expect(await ctx.redis.del(idempotencyRecordKey(userId, key))).toBe(1);
}

export async function createCoupon(command: string, admin: string, body: Record<string, unknown> = {}) {
  const res = await http("POST", `${command}/admin/coupons`, {
    token: admin,
    body: { name: "WELCOME 5000", discount: { type: "FIXED", amount: 5000 }, quantity: 100, ...body },
  });
  if (res.status !== 201) throw new Error(`coupon creation failed: ${res.status} ${res.text}`);
  return res.body as { couponId: string; quantity: number; perUserLimit: number };
}

export const claim = (command: string, couponId: string, token: string) => http("POST", `${command}/coupons/${couponId}/claims`, { token });

export async function claimedEvents(ctx: TestContext, couponId: string) {
  const events = await ctx.store.readStream(`coupon-${couponId}`);
  return events.filter((e) => e.type === "CouponClaimed").map((e) => e.data as { claimId: string; userId: string });
}

export function tally(statuses: Array<{ status: number; body: any }>): Record<string, number> {
  const t: Record<string, number> = {};
  for (const r of statuses) {
    const key = r.status < 300 ? String(r.status) : `${r.status} ${r.body?.code ?? ""}`;
    t[key] = (t[key] ?? 0) + 1;
  }
  return t;
}

/** The file's (or describe block's) own test context and a command-api on it (see useStarted). */
export const useApi = (overrides: Record<string, string> = {}, context: Parameters<typeof createTestContext>[0] = {}) =>
  useStarted(["ctx", "api"], async (atEnd) => {
    const ctx = await createTestContext(context);
    atEnd(() => ctx.close());
    const api = await startApi(ctx, overrides);
    atEnd(() => api.stop());
    return { ctx, api };
  });
