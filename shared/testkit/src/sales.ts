import type { TestContext } from "./context.js";
import { http, type HttpResponse } from "./http.js";

let keys = 0;
export const freshKey = () => `k-${process.pid}-${Date.now()}-${++keys}`;

export async function createProduct(command: string, admin: string, name = "Labubu Keyring", price = 39_000): Promise<string> {
  const res = await http("POST", `${command}/admin/products`, { token: admin, body: { name, price } });
  if (res.status !== 201) throw new Error(`product: ${res.status} ${res.text}`);
  return res.body.productId;
}

export interface SaleSpec {
  deals: Array<{ price: number; stock: number; perUserLimit?: number }>;
  opensAt?: string;
  closesAt?: string;
  goods?: { name: string; quantity: number };
}

export interface Sale {
  eventId: string;
  status: string;
  deals: Array<{ dealId: string; productId: string; stock: number }>;
  /** The 201 itself, for its X-Position. */
  reply: HttpResponse;
}

/** Products (one per deal, in deal order) and an event that is open now unless `opensAt` says otherwise, over command-api's HTTP. */
export async function createSale(command: string, admin: string, spec: SaleSpec): Promise<Sale> {
  const deals = [];
  for (const [i, d] of spec.deals.entries()) {
    deals.push({
      productId: await createProduct(command, admin, `Product ${i + 1}`, d.price * 2),
      salePrice: d.price,
      stock: d.stock,
      perUserLimit: d.perUserLimit ?? d.stock,
    });
  }
  const reply = await http("POST", `${command}/admin/events`, {
    token: admin,
    body: {
      name: "Flash",
      opensAt: spec.opensAt ?? new Date(Date.now() - 1000).toISOString(),
      ...(spec.closesAt ? { closesAt: spec.closesAt } : {}),
      deals,
      ...(spec.goods ? { goods: spec.goods } : {}),
    },
  });
  if (reply.status !== 201) throw new Error(`event: ${reply.status} ${reply.text}`);
  return { eventId: reply.body.eventId, status: reply.body.status, deals: reply.body.deals, reply };
}

export const order = (
  command: string,
  token: string,
  items: Array<{ dealId: string; quantity: number }>,
  extra: Record<string, unknown> = {},
  key = freshKey(),
) => http("POST", `${command}/orders`, { token, headers: { "idempotency-key": key }, body: { items, ...extra } });

/** An order that must be placed: anything but 201 fails the test here. */
export async function placeOrder(
  command: string,
  token: string,
  items: Array<{ dealId: string; quantity: number }>,
  extra: Record<string, unknown> = {},
): Promise<HttpResponse> {
  const res = await order(command, token, items, extra);
  if (res.status !== 201) throw new Error(`order: ${res.status} ${res.text}`);
  return res;
}

export const cancel = (command: string, token: string, orderId: string) => http("POST", `${command}/orders/${orderId}/cancel`, { token });

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
