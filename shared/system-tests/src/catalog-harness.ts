import { expect } from "vitest";
import type { TestContext } from "@surge/testkit/context";
import { call, type Reply } from "@surge/testkit/call";
import { waitFor } from "./batch-harness.js";

export { waitFor };

export async function createProduct(ctx: TestContext, command: string, name: string, price = 10_000): Promise<string> {
  const res = await call(command, "POST", "/admin/products", { token: await ctx.token("admin1", "admin"), body: { name, price } });
  expect(res.status).toBe(201);
  return String(res.body.productId);
}

/** The views the store holds for a product: the sum of its ProductViewsCounted events. */
export async function viewsInStore(ctx: TestContext, productId: string): Promise<number> {
  const events = await ctx.store.readStream(`views-${productId}`);
  return events.reduce((n, e) => n + (e.type === "ProductViewsCounted" ? (e.data as { views: number }).views : 0), 0);
}

/** Waits until the store holds `views` views of the product, then answers headers that make a query include them. */
export async function viewsAppended(ctx: TestContext, productId: string, views: number): Promise<Record<string, string>> {
  await waitFor(`${views} views of ${productId} in the store`, async () => (await viewsInStore(ctx, productId)) >= views);
  return { "X-Min-Position": String(await ctx.store.headPosition()) };
}

export const view = (command: string, token: string, productId: string) => call(command, "POST", `/products/${productId}/views`, { token });
export const like = (command: string, token: string, productId: string, liked = true) => call(command, liked ? "PUT" : "DELETE", `/products/${productId}/like`, { token });

export async function getProduct(query: string, productId: string, headers: Record<string, string> = {}): Promise<Record<string, any>> {
  const res = await call(query, "GET", `/products/${productId}`, { headers });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

/** Headers asking the query side to include everything up to the highest X-Position of these replies. */
export const afterAll = (replies: Reply[]) => ({ "X-Min-Position": String(Math.max(...replies.map((r) => Number(r.headers.get("x-position") ?? 0)))) });
