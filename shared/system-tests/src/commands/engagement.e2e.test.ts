import { describe, expect, it } from "vitest";
import { after, header, http, positionOf, problemCode } from "@surge/testkit/http";
import { createProduct } from "@surge/testkit/sales";
import { waitFor } from "@surge/testkit/wait";
import { useApps } from "../apps.js";
import { getProduct, like, view, viewsAppended, viewsInStore } from "../catalog-harness.js";

// A one-second window, flushed every 50 ms, so "after the window" comes quickly.
const { ctx, apps } = useApps({ VIEW_DEDUP_S: "1", VIEW_FLUSH_MS: "50" });

const product = async (name: string) => createProduct(apps.command, await ctx.token("admin1", "admin"), name);
const eventsOf = async (productId: string, type: string) => (await ctx.store.readByTag(`likes:${productId}`)).filter((e) => e.type === type).length;

describe("likes", () => {
  it("200 users liking at once, each twice, make 200 likes; 50 of them withdrawing (twice) leave 150", async () => {
    const productId = await product("Labubu Keyring");
    const users = await Promise.all(Array.from({ length: 200 }, (_, i) => ctx.token(`fan${i}`)));

    const liked = await Promise.all(users.flatMap((t) => [like(apps.command, t, productId), like(apps.command, t, productId)]));
    expect(liked.map((r) => r.status)).toEqual(Array(400).fill(200));
    for (const r of liked) expect(r.body).toMatchObject({ productId, liked: true });
    // Every answer counts what Redis had merged by then; the last merge saw all 200.
    expect(Math.max(...liked.map((r) => Number(r.body.likes)))).toBe(200);
    expect(await eventsOf(productId, "ProductLiked")).toBe(200);
    expect((await getProduct(apps.query, productId, after(...liked))).likes).toBe(200);

    const withdrawn = await Promise.all(users.slice(0, 50).flatMap((t) => [like(apps.command, t, productId, false), like(apps.command, t, productId, false)]));
    expect(withdrawn.map((r) => r.status)).toEqual(Array(100).fill(200));
    for (const r of withdrawn) expect(r.body).toMatchObject({ productId, liked: false });
    expect(Math.min(...withdrawn.map((r) => Number(r.body.likes)))).toBe(150);
    expect(await eventsOf(productId, "ProductUnliked")).toBe(50);
    expect((await getProduct(apps.query, productId, after(...liked, ...withdrawn))).likes).toBe(150);
  });

  it("is idempotent per user and answers the count rebuilt from the store when Redis lost it", async () => {
    const productId = await product("Tote");
    const [a, b] = [await ctx.token("a"), await ctx.token("b")];
    expect((await like(apps.command, a, productId)).body).toEqual({ productId, liked: true, likes: 1 });
    expect((await like(apps.command, a, productId)).body).toEqual({ productId, liked: true, likes: 1 });
    expect((await like(apps.command, b, productId)).body).toEqual({ productId, liked: true, likes: 2 });
    // A withdrawal by someone who never liked changes nothing and has no position to give.
    const never = await like(apps.command, await ctx.token("c"), productId, false);
    expect(never.body).toEqual({ productId, liked: false, likes: 2 });
    expect(header(never, "x-position")).toBeNull();

    expect(await ctx.redis.del(`likes:{${productId}}`)).toBe(1);
    const unliked = await like(apps.command, b, productId, false);
    expect(unliked.body).toEqual({ productId, liked: false, likes: 1 });
    const again = await like(apps.command, a, productId);
    expect(again.body).toEqual({ productId, liked: true, likes: 1 });
    // A repeated like answers the position of the like it repeats.
    expect(positionOf(again)).toBeLessThan(positionOf(unliked));
    expect((await getProduct(apps.query, productId, after(unliked, again))).likes).toBe(1);
  });

  it("refuses an unknown product (404), a malformed id (400) and no token (401), appending nothing", async () => {
    const head = await ctx.store.headPosition();
    const token = await ctx.token("a");
    for (const method of ["PUT", "DELETE"]) {
      const unknown = await http(method, `${apps.command}/products/no-such-product/like`, { token });
      expect([unknown.status, problemCode(unknown)]).toEqual([404, "NOT_FOUND"]);
      const long = await http(method, `${apps.command}/products/${"x".repeat(65)}/like`, { token });
      expect([long.status, problemCode(long)]).toEqual([400, "VALIDATION_FAILED"]);
      const anonymous = await http(method, `${apps.command}/products/no-such-product/like`);
      expect([anonymous.status, problemCode(anonymous)]).toEqual([401, "UNAUTHENTICATED"]);
    }
    expect(await ctx.store.headPosition()).toBe(head);
  });
});

describe("views", () => {
  it("count once per user within VIEW_DEDUP_S, again after it, and are appended in batches", async () => {
    const productId = await product("Sticker");
    const [u1, u2] = [await ctx.token("viewer1"), await ctx.token("viewer2")];

    const first = await view(apps.command, u1, productId);
    expect(first.status).toBe(202);
    expect(first.body).toEqual({ productId, counted: true });
    expect((await view(apps.command, u1, productId)).body).toEqual({ productId, counted: false });
    // Twenty at once from one user: exactly one counts.
    const burst = await Promise.all(Array.from({ length: 20 }, () => view(apps.command, u2, productId)));
    expect(burst.map((r) => r.status)).toEqual(Array(20).fill(202));
    expect(burst.filter((r) => r.body.counted === true)).toHaveLength(1);

    expect((await getProduct(apps.query, productId, await viewsAppended(ctx, productId, 2))).views).toBe(2);
    expect(await viewsInStore(ctx, productId)).toBe(2);
    // Fewer events than views were they many: one per product and minute per flush.
    expect((await ctx.store.readStream(`views-${productId}`)).length).toBeLessThanOrEqual(2);

    // Once the window has passed, u1's next view counts again (polled, not slept for).
    await waitFor("u1's view to count again", async () => (await view(apps.command, u1, productId)).body.counted === true, { timeoutMs: 5000, everyMs: 100 });
    expect((await getProduct(apps.query, productId, await viewsAppended(ctx, productId, 3))).views).toBe(3);
    expect(await viewsInStore(ctx, productId)).toBe(3);
  });

  it("refuses an unknown product (404) and no token (401), counting nothing", async () => {
    const unknown = await view(apps.command, await ctx.token("viewer1"), "no-such-product");
    expect([unknown.status, problemCode(unknown)]).toEqual([404, "NOT_FOUND"]);
    const anonymous = await http("POST", `${apps.command}/products/no-such-product/views`);
    expect([anonymous.status, problemCode(anonymous)]).toEqual([401, "UNAUTHENTICATED"]);
    expect(await ctx.redis.keys("*view:{no-such-product}*")).toEqual([]);
  });
});
