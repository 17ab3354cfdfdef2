import { describe, expect, it } from "vitest";
import { walletStream } from "@surge/areas/wallet/events";
import { bearer, http } from "@surge/testkit/http";
import { freshKey } from "@surge/testkit/sales";
import { forgetKeyRecord, tally, useApi } from "../command-harness.js";

const { ctx, api } = useApi();

export const charge = (url: string, token: string, amount: unknown, key = freshKey()) =>
  http("POST", `${url}/wallet/charges`, { headers: { ...bearer(token), "idempotency-key": key }, body: { amount } });

const balanceInStore = async (userId: string) => {
  const events = await ctx.store.readStream(walletStream(userId));
  return events.length === 0 ? 0 : (events[events.length - 1]!.data as { balance: number }).balance;
};

describe("wallet charges", () => {
  it("100 concurrent charges of 10,000 with distinct keys → exactly 1,000,000", async () => {
    const token = await ctx.token("rich");
    const results = await Promise.all(Array.from({ length: 100 }, () => charge(api.url, token, 10_000)));
    expect(tally(results)).toEqual({ "200": 100 });
    expect(await balanceInStore("rich")).toBe(1_000_000);
    expect(Math.max(...results.map((r) => r.body.balance))).toBe(1_000_000);
    expect(new Set(results.map((r) => r.body.balance)).size).toBe(100);
  });

  it("the same key twice charges once", async () => {
    const token = await ctx.token("once");
    const [a, b] = await Promise.all([charge(api.url, token, 5_000, "same"), charge(api.url, token, 5_000, "same")]);
    expect(a.text).toBe(b.text);
    expect(await balanceInStore("once")).toBe(5_000);
  });

  it("the same key after Redis lost its record still charges once and answers the first body", async () => {
    const token = await ctx.token("once-lost");
    const first = await charge(api.url, token, 7_000, "lost");
    await charge(api.url, token, 1_000);
    await forgetKeyRecord(ctx, "once-lost", "lost");
    const again = await charge(api.url, token, 7_000, "lost");
    expect(again.status).toBe(200);
    expect(again.text).toBe(first.text);
    expect(again.body).toEqual({ balance: 7_000, charged: 7_000 });
    expect(again.headers["idempotency-replayed"]).toBe("true");
    expect(await balanceInStore("once-lost")).toBe(8_000);
  });

  it("never passes 10,000,000", async () => {
    const token = await ctx.token("capped");
    for (let i = 0; i < 10; i++) expect((await charge(api.url, token, 1_000_000)).status).toBe(200);
    const over = await charge(api.url, token, 1);
    expect(over.status).toBe(409);
    expect(over.body.code).toBe("BALANCE_LIMIT_EXCEEDED");
    expect(await balanceInStore("capped")).toBe(10_000_000);
  });

  it.each([0, -1, 1_000_001, 1.5, "100"])("amount %s → 400, nothing charged", async (amount) => {
    const token = await ctx.token("bad-amount");
    const res = await charge(api.url, token, amount);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("VALIDATION_FAILED");
    expect(await balanceInStore("bad-amount")).toBe(0);
  });

  it("no Idempotency-Key → 400; no token → 401", async () => {
    const token = await ctx.token("nokey");
    expect((await http("POST", `${api.url}/wallet/charges`, { headers: bearer(token), body: { amount: 1 } })).status).toBe(400);
    expect((await http("POST", `${api.url}/wallet/charges`, { headers: { "idempotency-key": "k" }, body: { amount: 1 } })).status).toBe(401);
  });
});
