import { expect } from "vitest";
import type { TestContext } from "@surge/testkit/context";
import { http } from "@surge/testkit/http";
import { waitFor } from "@surge/testkit/wait";

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

export const view = (command: string, token: string, productId: string) => http("POST", `${command}/products/${productId}/views`, { token });
export const like = (command: string, token: string, productId: string, liked = true) =>
  http(liked ? "PUT" : "DELETE", `${command}/products/${productId}/like`, { token });

export async function getProduct(query: string, productId: string, headers: Record<string, string> = {}): Promise<Record<string, any>> {
  const res = await http("GET", `${query}/products/${productId}`, { headers });
  expect(res.status, res.text).toBe(200);
  return res.body;
}
