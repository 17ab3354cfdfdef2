import { describe, expect, it } from "vitest";
import { OrderCancelled, orderStream } from "@surge/areas/orders/events";
import { readCheckpoint } from "@surge/platform/db/checkpoints";
import { saleTag } from "@surge/areas/sales/events";
import { STOCK_RELEASE_CHECKPOINT } from "@surge/areas/sales/stock-release-job";
import { rawEvent } from "@surge/testkit/raw-event";
import { createSale, order } from "@surge/testkit/sales";
import { useApi } from "../command-harness.js";
import { startTestBatch } from "../batch-harness.js";
import { waitFor } from "@surge/testkit/wait";

const { ctx, api } = useApi();

describe("stock-release follower", () => {
  it("returns the stock of an order cancelled by a command that died before releasing, exactly once", async () => {
    const admin = await ctx.token("admin1", "admin");
    const sale = await createSale(api.url, admin, { deals: [{ price: 1_000, stock: 5 }] });
    const dealId = sale.deals[0]!.dealId;
    const placed = await order(api.url, await ctx.token("victim"), [{ dealId, quantity: 2 }]);
    expect(placed.status).toBe(201);
    const orderId: string = placed.body.orderId;
    // A second order stays live: its units must not come back.
    expect((await order(api.url, await ctx.token("keeper"), [{ dealId, quantity: 1 }])).status).toBe(201);
    expect(await api.stock.remaining(sale.eventId)).toEqual({ [dealId]: 2 });

    // The crash: OrderCancelled is in the store, the release after it never ran.
    const now = new Date().toISOString();
    const appended = await ctx.store.append(orderStream(orderId), 1, [
      rawEvent(
        OrderCancelled,
        { orderId, eventId: sale.eventId, reason: "USER", cancelledAt: now },
        { at: now, tag: saleTag(sale.eventId), correlationId: "crash-test", userId: "victim" },
      ),
    ]);
    // No batch runs yet: nothing has read the cancel, so its units are still out.
    expect(await api.stock.remaining(sale.eventId)).toEqual({ [dealId]: 2 });

    const batch = await startTestBatch(ctx);
    await waitFor("stock back", async () => (await api.stock.remaining(sale.eventId))[dealId] === 4, 5_000);
    await waitFor("checkpoint", async () => (await readCheckpoint(ctx.db, STOCK_RELEASE_CHECKPOINT)) >= appended.lastPosition, 5_000);
    await batch.stop();
    expect(await api.stock.remaining(sale.eventId)).toEqual({ [dealId]: 4 });

    const again = await startTestBatch(ctx);
    try {
      // It resumes from the checkpoint; had it handled the cancel again, that would be done before its position reached it.
      await waitFor("the follower resumed", async () => (again.positions()[STOCK_RELEASE_CHECKPOINT] ?? 0) >= appended.lastPosition, 5_000);
      expect(await api.stock.remaining(sale.eventId)).toEqual({ [dealId]: 4 });
    } finally {
      await again.stop();
    }
  });
});
