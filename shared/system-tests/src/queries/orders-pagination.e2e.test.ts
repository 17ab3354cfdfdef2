import { describe, expect, it } from "vitest";
import { useApps } from "../apps.js";
import { after, http, type HttpResponse } from "@surge/testkit/http";
import { createSale, placeOrder } from "@surge/testkit/sales";

const { ctx, apps } = useApps();

/** Newest first as the contract orders them: createdAt descending, ties by orderId descending. */
const newestFirst = (orders: HttpResponse[]) =>
  orders
    .map((o) => o.body as { orderId: string; createdAt: string })
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.orderId.localeCompare(a.orderId))
    .map((o) => o.orderId);

describe("GET /me/orders", () => {
  it("pages 25 orders 10 at a time, newest first, without duplicates or gaps, stable while orders are added", async () => {
    const sale = await createSale(apps.command, await ctx.token("admin1", "admin"), { deals: [{ price: 1_000, stock: 1000 }] });
    const dealId = sale.deals[0]!.dealId;
    const token = await ctx.token("pager");
    const placed: HttpResponse[] = [];
    for (let i = 0; i < 25; i++) placed.push(await placeOrder(apps.command, token, [{ dealId, quantity: 1 }]));
    // Someone else's orders never show up in the caller's list.
    await placeOrder(apps.command, await ctx.token("other"), [{ dealId, quantity: 1 }]);
    const page = async (cursor: string | null, headers: Record<string, string>) => {
      const res = await http("GET", `${apps.query}/me/orders?limit=10${cursor ? `&cursor=${cursor}` : ""}`, { token, headers });
      expect(res.status).toBe(200);
      return res.body as { items: any[]; nextCursor: string | null };
    };

    const first = await page(null, after(placed.at(-1)!));
    expect(first.items).toHaveLength(10);
    // Orders placed between page fetches are newer than the cursor: later pages are unaffected.
    const late: HttpResponse[] = [];
    for (let i = 0; i < 3; i++) late.push(await placeOrder(apps.command, token, [{ dealId, quantity: 1 }]));
    const headers = after(late.at(-1)!);
    const second = await page(first.nextCursor, headers);
    const third = await page(second.nextCursor, headers);
    expect([first.items.length, second.items.length, third.items.length]).toEqual([10, 10, 5]);
    expect(third.nextCursor).toBeNull();
    const ids = [...first.items, ...second.items, ...third.items].map((o) => o.orderId);
    expect(ids).toEqual(newestFirst(placed));
    // Each item is the OrderView the command side answered with.
    const byId = new Map(placed.map((p) => [p.body.orderId, p.body]));
    for (const o of [...first.items, ...second.items, ...third.items]) expect(o).toEqual(byId.get(o.orderId));

    // Listed again from the start, the new orders come first.
    const again: string[] = [];
    let cursor: string | null = null;
    do {
      const p = await page(cursor, headers);
      again.push(...p.items.map((o) => o.orderId));
      cursor = p.nextCursor;
    } while (cursor !== null);
    expect(again).toEqual(newestFirst([...placed, ...late]));
  });

  it("filters by status and defaults to 20 per page", async () => {
    const sale = await createSale(apps.command, await ctx.token("admin1", "admin"), { deals: [{ price: 1_000, stock: 100 }] });
    const token = await ctx.token("filter");
    const placed: HttpResponse[] = [];
    for (let i = 0; i < 22; i++) placed.push(await placeOrder(apps.command, token, [{ dealId: sale.deals[0]!.dealId, quantity: 1 }]));
    let last: HttpResponse = placed.at(-1)!;
    for (const o of placed.slice(0, 3)) {
      last = await http("POST", `${apps.command}/orders/${o.body.orderId}/cancel`, { token });
      expect(last.status).toBe(200);
    }
    const list = async (query: string) => (await http("GET", `${apps.query}/me/orders${query}`, { token, headers: after(last) })).body;

    const cancelled = await list("?status=CANCELLED");
    expect(cancelled.items.map((o: any) => o.orderId)).toEqual(newestFirst(placed.slice(0, 3)));
    expect(cancelled.items.every((o: any) => o.status === "CANCELLED" && o.cancelReason === "USER")).toBe(true);
    expect(cancelled.nextCursor).toBeNull();
    const pending = await list("?status=PENDING_PAYMENT&limit=100");
    expect(pending.items).toHaveLength(19);
    expect((await list("?status=PAID")).items).toEqual([]);
    const all = await list("");
    expect(all.items).toHaveLength(20);
    expect(all.nextCursor).toEqual(expect.any(String));
    expect((await list(`?cursor=${all.nextCursor}`)).items).toHaveLength(2);
  });
});
