import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "kysely";
import { couponStream, CouponClaimed } from "@surge/areas/coupons/coupon-events";
import { createLogger } from "@surge/platform/logging";
import { DEAD_LETTER_TOPIC, EVENT_TOPICS } from "@surge/platform/kafka/topics";
import { newId } from "@surge/platform/ids";
import { OrderPlaced, orderStream } from "@surge/areas/orders/events";
import { readCheckpoint } from "@surge/platform/db/checkpoints";
import { saleTag } from "@surge/areas/sales/events";
import { type StoredEvent } from "@surge/platform/eventstore/types";
import { buildKafkaMock, readTopicsToEnd } from "@surge/testkit/kafka-mock";
import { useKafkaMock } from "@surge/testkit/kafka-fixture";
import { retryFailed } from "@surge/platform/projection/failures";
import { handlersFor } from "@surge/areas/projections";
import type { Projector } from "../../src/start.js";
import { appendCoupon } from "@surge/testkit/coupon-events";
import { rawEvent, uncheckedType } from "@surge/testkit/raw-event";
import { appendClaimEvent, appendOpenSale, appendOrder, appendOrderEnd, placed } from "@surge/testkit/sale-events";
import { waitFor } from "@surge/testkit/wait";
import { checkpointIsSafe, kafkaEnv, produce, projected, startKafkaProjector } from "./support.js";

const build = await buildKafkaMock();
if (build.skip) console.warn(`Kafka projector tests: ${build.skip}`);

const { ctx, kafka } = useKafkaMock(build);
let projector: Projector;
let env: Record<string, string>;

beforeAll(async () => {
  if (!build.binary) return;
  env = kafkaEnv(ctx, kafka);
  // One projector for the whole file: every (re)join costs a rebalance on the mock.
  projector = await startKafkaProjector({ ...env, PROJECTOR_BATCH_SIZE: "40" });
});
afterAll(async () => {
  await projector?.stop();
});

const readAll = async (after = 0) => ctx.store.readAll(after, 100_000);
const count = async (table: "coupon_claims" | "event_handled" | "projection_failures") =>
  Number(
    (
      await ctx.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as("n"))
        .executeTakeFirstOrThrow()
    ).n,
  );
const claimedOf = async (couponId: string) =>
  (await ctx.db.selectFrom("coupon_view").select("claimed").where("coupon_id", "=", couponId).executeTakeFirstOrThrow()).claimed;
const metric = (text: string, name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(text)?.[1]);
/** A drain has run with these records in hand and held them back for a watermark: anything it would wrongly apply is applied by then. */
const heldAtLeast = (records: number) => async () => metric(await fetch(`${projector.url}/metrics`).then((r) => r.text()), "projector_held_records") >= records;

describe.skipIf(build.skip)("the Kafka projector", () => {
  it("applies a batch delivered twice, and duplicates inside one batch, exactly once", { timeout: 60_000 }, async () => {
    const def = await appendCoupon(ctx.store, 120);
    const events = await readAll();
    const reversed = [...events].reverse();
    await produce(kafka.brokers, [
      // Duplicates inside one produce call, one of them out of order.
      { events: [...events, ...events.slice(10, 50)], watermark: events.at(-1)!.position },
      // The same batch again (a relay that crashed before its checkpoint).
      { events },
      { events: reversed.slice(0, 30).reverse() },
    ]);
    await waitFor("the coupon projected", projected(ctx), 60_000);
    expect(await claimedOf(def.couponId)).toBe(120);
    expect(await count("coupon_claims")).toBe(120);
    expect(await count("event_handled")).toBe(events.length);
    expect(await checkpointIsSafe(ctx.db)).toEqual({ checkpoint: events.at(-1)!.position, handled: events.at(-1)!.position });
  });

  it("waits for every partition's watermark before applying: the checkpoint never claims an event it lacks", { timeout: 60_000 }, async () => {
    const start = await ctx.store.headPosition();
    const def = await appendCoupon(ctx.store, 30);
    const events = await readAll(start);
    // Events published but no watermark yet: nothing may be applied (a later position could still be in flight).
    await produce(kafka.brokers, [{ events, watermark: null }]);
    await waitFor("the records held back", heldAtLeast(events.length), 60_000);
    expect(await readCheckpoint(ctx.db)).toBe(start);
    expect((await ctx.db.selectFrom("coupon_view").select("claimed").where("coupon_id", "=", def.couponId).executeTakeFirst())?.claimed).toBeUndefined();
    // The watermark arrives in every partition: now all of it is applied and the checkpoint moves.
    await produce(kafka.brokers, [{ events: [], watermark: events.at(-1)!.position }]);
    await waitFor("the watermark to release them", projected(ctx), 60_000);
    expect(await claimedOf(def.couponId)).toBe(30);
    const safe = await checkpointIsSafe(ctx.db);
    expect(safe.handled).toBe(safe.checkpoint);
  });

  it("applies events across partitions in store order, even when a later stream's records arrive first", { timeout: 60_000 }, async () => {
    const start = await ctx.store.headPosition();
    const def = await appendCoupon(ctx.store, 2);
    const claim = (await ctx.store.readStream(couponStream(def.couponId)))[1]!.data as { claimId: string };
    const sale = await appendOpenSale(ctx.store, [10]);
    const order = placed(sale, "u9", [[0, 2]], claim.claimId);
    await appendOrder(ctx.store, order);
    await appendClaimEvent(ctx.store, "CouponClaimReserved", { claimId: claim.claimId, couponId: def.couponId }, order.orderId);
    const events = await readAll(start);
    // The order and the reservation reach Kafka first; the coupon and the sale they depend on later.
    const first = new Set(["order", "claim"]);
    const early = events.filter((e) => first.has(e.streamId.split("-")[0]!));
    await produce(kafka.brokers, [{ events: early, watermark: null }]);
    await waitFor("the early records held back", heldAtLeast(early.length), 60_000);
    expect(await readCheckpoint(ctx.db)).toBe(start);
    await produce(kafka.brokers, [{ events: events.filter((e) => !early.includes(e)), watermark: events.at(-1)!.position }]);
    await waitFor("all of it projected", projected(ctx), 60_000);
    const row = await ctx.db.selectFrom("coupon_claims").select(["status", "order_id"]).where("claim_id", "=", claim.claimId).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: "RESERVED", order_id: order.orderId });
    const deal = await ctx.db.selectFrom("sale_deals").select("sold").where("deal_id", "=", sale.deals[0]!.dealId).executeTakeFirstOrThrow();
    expect(deal.sold).toBe(2);
  });

  it("applies from the store what Kafka never delivered (a hole below the watermark), and never skips it", { timeout: 60_000 }, async () => {
    const start = await ctx.store.headPosition();
    const def = await appendCoupon(ctx.store, 60);
    const events = await readAll(start);
    // As if retention had passed these before the projector read them: they never arrive.
    const lost = new Set([events[0]!, ...events.slice(20, 27), events.at(-2)!]);
    await produce(kafka.brokers, [{ events: events.filter((e) => !lost.has(e)), watermark: events.at(-1)!.position }]);
    await waitFor("the coupon projected", projected(ctx), 60_000);
    expect(await claimedOf(def.couponId)).toBe(60);
    const safe = await checkpointIsSafe(ctx.db);
    expect(safe).toEqual({ checkpoint: events.at(-1)!.position, handled: events.at(-1)!.position });
    expect(metric(await fetch(`${projector.url}/metrics`).then((r) => r.text()), "projector_refilled_from_store_total")).toBe(lost.size);
  });

  it(
    "dead-letters poison events (bad schema at once, a failing handler after 3 attempts, garbage), projects the rest, and retry-failed applies them once fixed",
    { timeout: 60_000 },
    async () => {
      const start = await ctx.store.headPosition();
      const sale = await appendOpenSale(ctx.store, [100]);
      const good = placed(sale, "u1", [[0, 2]]);
      await appendOrder(ctx.store, good);
      // Ends an order that was never placed: the sale-events handler refuses it, every time.
      const phantom = placed(sale, "u2", [[0, 3]]);
      await appendOrderEnd(ctx.store, phantom, "cancel");
      // Data that does not fit the event's schema.
      const def = await appendCoupon(ctx.store, 2);
      const badClaimId = newId();
      await ctx.store.append(couponStream(def.couponId), "any", [
        rawEvent(uncheckedType(CouponClaimed.type), { couponId: def.couponId, claimId: badClaimId }, { eventId: badClaimId, correlationId: "c" }),
      ]);
      await appendOrder(ctx.store, placed(sale, "u3", [[0, 1]]));
      const events = await readAll(start);
      await produce(kafka.brokers, [{ events, extra: [{ topic: EVENT_TOPICS[0]!, message: { key: "junk", value: "{not json" } }] }]);

      await waitFor("the rest projected", projected(ctx), 60_000);
      const deal = sale.deals[0]!.dealId;
      const sold = async () => (await ctx.db.selectFrom("sale_deals").select("sold").where("deal_id", "=", deal).executeTakeFirstOrThrow()).sold;
      expect(await sold()).toBe(3);
      expect(await claimedOf(def.couponId)).toBe(2);

      const failures = await ctx.db.selectFrom("projection_failures").selectAll().orderBy("position").execute();
      expect(failures.map((f) => [f.type, f.attempts, f.resolved_at])).toEqual([
        [null, 1, null],
        ["OrderCancelled", 3, null],
        ["CouponClaimed", 1, null],
      ]);
      expect(failures[1]!.error).toMatch(/does not have/);
      expect(failures[2]!.error).toMatch(/userId|claimedAt/);
      expect(failures[0]!.raw).toBe("{not json");
      const dlt = await readTopicsToEnd(kafka.brokers, [DEAD_LETTER_TOPIC]);
      expect(dlt).toHaveLength(3);
      expect(metric(await fetch(`${projector.url}/metrics`).then((r) => r.text()), "projector_dead_lettered_total")).toBe(3);
      const safe = await checkpointIsSafe(ctx.db);
      expect(safe.handled).toBe(safe.checkpoint);

      // The fix: the missing order turns up (late). retry-failed applies the cancel now; the bad
      // schema still fails and stays open; the garbage has nothing to retry.
      await ctx.store.append(orderStream(phantom.orderId), "any", [
        rawEvent(OrderPlaced, phantom, { eventId: phantom.orderId, tag: saleTag(sale.eventId), correlationId: "c" }),
      ]);
      await produce(kafka.brokers, [{ events: await readAll((await ctx.store.headPosition()) - 1) }]);
      await waitFor("the late order projected", projected(ctx), 60_000);
      expect(await sold()).toBe(6);
      const outcome = await retryFailed(ctx.db, handlersFor(env.BUSINESS_TZ ?? "Asia/Seoul"), createLogger("retry", "silent", false));
      expect(outcome).toEqual({ resolved: 1, failed: 1, undecodable: 1 });
      expect(await sold()).toBe(3);
      const order = await ctx.db.selectFrom("orders").select("status").where("order_id", "=", phantom.orderId).executeTakeFirstOrThrow();
      expect(order.status).toBe("CANCELLED");
      // Retrying again changes nothing: resolved stays resolved.
      expect(await retryFailed(ctx.db, handlersFor("Asia/Seoul"), createLogger("retry", "silent", false))).toEqual({ resolved: 0, failed: 1, undecodable: 1 });
      expect(await sold()).toBe(3);
      const open = await ctx.db.selectFrom("projection_failures").select("type").where("resolved_at", "is", null).orderBy("position").execute();
      expect(open.map((r) => r.type)).toEqual([null, "CouponClaimed"]);
      const { rows } = await sql<{
        n: number;
      }>`SELECT COUNT(*) AS n FROM event_handled WHERE event_id = ${events.find((e: StoredEvent) => e.type === "OrderCancelled")!.eventId}`.execute(ctx.db);
      expect(Number(rows[0]?.n)).toBe(1);
    },
  );
});
