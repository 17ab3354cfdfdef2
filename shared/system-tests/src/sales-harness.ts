import { bearer, http } from "@surge/testkit/http";
import { type TestContext } from "@surge/testkit/context";
import type { CommandApi } from "@surge/command-api/start";

let keySeq = 0;
export const freshKey = () => `k-${process.pid}-${Date.now()}-${++keySeq}`;

export async function createProduct(api: CommandApi, admin: string, name = "Labubu Keyring", price = 39_000): Promise<string> {
  const res = await http("POST", `${api.url}/admin/products`, { headers: bearer(admin), body: { name, price } });
  if (res.status !== 201) throw new Error(`product: ${res.status} ${res.text}`);
  return res.body.productId;
}

export interface SaleSpec {
  deals: Array<{ price: number; stock: number; perUserLimit?: number }>;
  opensAt?: string;
  closesAt?: string;
  goods?: { name: string; quantity: number };
}

/** Creates products and an event that is open now (unless opensAt says otherwise). */
export async function createSale(api: CommandApi, admin: string, spec: SaleSpec) {
  const deals = await Promise.all(
    spec.deals.map(async (d, i) => ({ productId: await createProduct(api, admin, `Product ${i + 1}`, d.price * 2), salePrice: d.price, stock: d.stock, perUserLimit: d.perUserLimit ?? d.stock })),
  );
  const res = await http("POST", `${api.url}/admin/events`, {
    headers: bearer(admin),
    body: { name: "Flash", opensAt: spec.opensAt ?? new Date(Date.now() - 1000).toISOString(), ...(spec.closesAt ? { closesAt: spec.closesAt } : {}), deals, ...(spec.goods ? { goods: spec.goods } : {}) },
  });
  if (res.status !== 201) throw new Error(`event: ${res.status} ${res.text}`);
  return res.body as { eventId: string; status: string; deals: Array<{ dealId: string; stock: number }> };
}

export const order = (api: CommandApi, token: string, items: Array<{ dealId: string; quantity: number }>, extra: Record<string, unknown> = {}, key = freshKey()) =>
  http("POST", `${api.url}/orders`, { headers: { ...bearer(token), "idempotency-key": key }, body: { items, ...extra } });

export const cancel = (api: CommandApi, token: string, orderId: string) => http("POST", `${api.url}/orders/${orderId}/cancel`, { headers: bearer(token) });

/** Units sold per deal according to the store: placed minus cancelled/expired orders. */
export async function soldInStore(ctx: TestContext, eventId: string): Promise<Record<string, number>> {
  const live = new Map<string, Array<{ dealId: string; quantity: number }>>();
  for (const e of await ctx.store.readByTag(`event:${eventId}`)) {
    const d = e.data as { orderId: string; items?: Array<{ dealId: string; quantity: number }> };
    if (e.type === "OrderPlaced") live.set(d.orderId, d.items!);
    else if (e.type === "OrderCancelled" || e.type === "OrderExpired") live.delete(d.orderId);
  }
  const sold: Record<string, number> = {};
  for (const items of live.values()) for (const i of items) sold[i.dealId] = (sold[i.dealId] ?? 0) + i.quantity;
  return sold;
}
