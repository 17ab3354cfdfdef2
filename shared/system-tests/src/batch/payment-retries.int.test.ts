import { expect, it } from "vitest";
import pino from "pino";
import { newId } from "@surge/platform/ids";
import { createMetrics } from "@surge/platform/http/metrics";
import { readCheckpoint } from "@surge/platform/db/checkpoints";
import { orderStream, OrderExpired, PaymentSucceeded } from "@surge/areas/orders/events";
import { GatewayClient } from "@surge/areas/payments/gateway-client";
import { REFUND_CHECKPOINT, RefundProcess } from "@surge/areas/payments/refund-job";
import { RetryBook } from "@surge/areas/payments/retries";
import { batchMetrics } from "@surge/batch/metrics";
import { runCli } from "@surge/testkit/child-app";
import { rawEvent } from "@surge/testkit/raw-event";
import { cardOrderEvents } from "@surge/testkit/payment-events";
import { useGatewayStub } from "../gateway-stub.js";

const logger = pino({ level: "silent" });
const POLICY = { baseDelayMs: 1_000, maxDelayMs: 60_000, maxAttempts: 3 };
const { ctx, gw } = useGatewayStub();

/** A card payment that succeeded after its order expired: it must be refunded through the gateway. */
async function successAfterExpiry(transactionKey: string) {
  const orderId = newId();
  const paymentId = newId();
  const now = new Date();
  const at = now.toISOString();
  const { ref, events } = cardOrderEvents({ orderId, paymentId, amount: 1_000, at: now, expiresAt: now, transactionKey });
  await ctx.store.append(orderStream(orderId), "any", [
    ...events,
    rawEvent(OrderExpired, { ...ref, expiredAt: at }),
    rawEvent(PaymentSucceeded, { ...ref, paymentId, amount: 1_000, transactionKey, succeededAt: at }),
  ]);
  return orderId;
}

const refunded = async (orderId: string) => (await ctx.store.readStream(orderStream(orderId))).some((e) => e.type === "PaymentRefunded");
const retryRow = (orderId: string) => ctx.db.selectFrom("payment_retries").selectAll().where("order_id", "=", orderId).executeTakeFirst();

it("one refund the gateway keeps refusing is retried with growing back-off and dead-lettered; the others complete; the CLI re-queues it", async () => {
  const metrics = createMetrics("batch-test");
  const m = batchMetrics(metrics);
  const job = REFUND_CHECKPOINT;
  const book = new RetryBook(ctx.db, job, POLICY, { onRetryScheduled: () => m.paymentRetries.inc({ job }), onDeadLettered: () => m.deadLettered.inc({ job }) });
  // No client-side retries and no breaker: each attempt is one call, as the test counts them.
  const gateway = new GatewayClient({ baseUrl: gw.url, maxAttempts: 0, breakAfter: 1_000 });
  const refunds = new RefundProcess(ctx.db, ctx.store, gateway, logger, book);

  gw.failing.add("tx_bad");
  const good = [await successAfterExpiry("tx_good1"), await successAfterExpiry("tx_good2")];
  const bad = await successAfterExpiry("tx_bad");
  good.push(await successAfterExpiry("tx_good3"));
  const events = (await Promise.all([...good, bad].map((id) => ctx.store.readStream(orderStream(id))))).flat().sort((a, b) => a.position - b.position);

  await refunds.handle(events);
  // The others are refunded, and the checkpoint is past the failing one.
  for (const id of good) expect(await refunded(id)).toBe(true);
  expect(await refunded(bad)).toBe(false);
  expect(await readCheckpoint(ctx.db, REFUND_CHECKPOINT)).toBe(events.at(-1)!.position);

  const first = (await retryRow(bad))!;
  expect(first).toMatchObject({ attempts: 1, dead_at: null });
  const firstDelay = first.next_attempt_at.getTime() - first.updated_at.getTime();
  expect(firstDelay).toBe(POLICY.baseDelayMs);

  // Not due yet: nothing is tried.
  await refunds.retryDue(new Date(first.next_attempt_at.getTime() - 1));
  expect((await retryRow(bad))!.attempts).toBe(1);

  await refunds.retryDue(first.next_attempt_at);
  const second = (await retryRow(bad))!;
  expect(second).toMatchObject({ attempts: 2, dead_at: null });
  const secondDelay = second.next_attempt_at.getTime() - second.updated_at.getTime();
  expect(secondDelay).toBe(2 * firstDelay);

  await refunds.retryDue(second.next_attempt_at);
  const dead = (await retryRow(bad))!;
  expect(dead.attempts).toBe(3);
  expect(dead.dead_at).not.toBeNull();
  expect(dead.last_error).toContain("500");

  // Dead letters are not retried by the rounds.
  await refunds.retryDue(new Date(dead.next_attempt_at.getTime() + 86_400_000));
  expect((await retryRow(bad))!.attempts).toBe(3);
  expect(await refunded(bad)).toBe(false);
  expect((await m.deadLettered.get()).values).toEqual([{ labels: { job }, value: 1 }]);
  expect((await m.paymentRetries.get()).values).toEqual([{ labels: { job }, value: 2 }]);
  expect(await metrics.registry.metrics()).toMatch(/^batch_payment_dead_letters_total\{job="payment-refunds",app="batch-test"\} 1$/m);

  const list = await runCli("batch/src/cli.ts", ["dead-letters", "list"], ctx.appEnv);
  expect(list.code).toBe(0);
  expect(list.out).toContain(bad);
  expect(list.out).toContain("1 dead letter(s)");

  gw.failing.delete("tx_bad");
  const retry = await runCli("batch/src/cli.ts", ["dead-letters", "retry", "--order", bad], ctx.appEnv);
  expect(retry).toMatchObject({ code: 0, out: expect.stringContaining("1 dead letter(s) queued for retry") });
  expect((await retryRow(bad))!).toMatchObject({ attempts: 0, dead_at: null });

  await refunds.retryDue(new Date(Date.now() + 1_000));
  expect(await refunded(bad)).toBe(true);
  expect(await retryRow(bad)).toBeUndefined();
  expect(gw.refunds.filter((k) => k === "tx_bad")).toHaveLength(1);
  expect((await runCli("batch/src/cli.ts", ["dead-letters", "list"], ctx.appEnv)).out).toContain("0 dead letter(s)");
});
