import type { TestContext } from "./context.js";
import { call, type Reply } from "./call.js";

let keys = 0;
const freshKey = () => `qk-${process.pid}-${Date.now()}-${++keys}`;

export const positionOf = (reply: Reply) => Number(reply.headers.get("x-position"));
/** Headers asking the query side to include everything up to a command's X-Position. */
export const after = (reply: Reply) => ({ "X-Min-Position": String(positionOf(reply)) });

export interface Sale {
  eventId: string;
  dealIds: string[];
  reply: Reply;
}

/** Products and an event (open now unless `opensAt` says otherwise), created over command-api's HTTP. */
export async function createSale(
  ctx: TestContext,
  command: string,
  spec: { deals: Array<{ price: number; stock: number; perUserLimit?: number }>; opensAt?: string; closesAt?: string; goods?: { name: string; quantity: number } },
): Promise<Sale> {
  const token = await ctx.token("admin1", "admin");
  const deals = [];
  for (const [i, d] of spec.deals.entries()) {
    const product = await call(command, "POST", "/admin/products", { token, body: { name: `Product ${i + 1}`, price: d.price * 2 } });
    if (product.status !== 201) throw new Error(`product: ${product.status} ${JSON.stringify(product.body)}`);
    deals.push({ productId: product.body.productId, salePrice: d.price, stock: d.stock, perUserLimit: d.perUserLimit ?? d.stock });
  }
  const body = {
    name: "Flash",
    opensAt: spec.opensAt ?? new Date(Date.now() - 1000).toISOString(),
    ...(spec.closesAt ? { closesAt: spec.closesAt } : {}),
    deals,
    ...(spec.goods ? { goods: spec.goods } : {}),
  };
  const reply = await call(command, "POST", "/admin/events", { token, body });
  if (reply.status !== 201) throw new Error(`event: ${reply.status} ${JSON.stringify(reply.body)}`);
  return { eventId: String(reply.body.eventId), dealIds: (reply.body.deals as Array<{ dealId: string }>).map((d) => d.dealId), reply };
}

export async function placeOrder(command: string, token: string, items: Array<{ dealId: string; quantity: number }>, extra: Record<string, unknown> = {}): Promise<Reply> {
  const reply = await call(command, "POST", "/orders", { token, headers: { "idempotency-key": freshKey() }, body: { items, ...extra } });
  if (reply.status !== 201) throw new Error(`order: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply;
}
