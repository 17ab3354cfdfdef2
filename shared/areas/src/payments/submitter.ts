import { GatewayError, isBreakerOpen, type CardSubmission, type GatewayClient } from "./gateway-client.js";
import { type Logger } from "pino";
import { sleep } from "@surge/platform/backoff";
import { systemContext } from "@surge/platform/command/context";
import type { EventStore } from "@surge/platform/eventstore/types";
import { applyOrderCommand } from "./pay.js";

/**
 * How long one submission is retried at most. The settle job releases a payment the gateway still
 * does not know well after this (RELEASE_UNSUBMITTED_AFTER_MS), so no submission can reach the
 * gateway after its payment was released.
 */
export const SUBMIT_FOR_MS = 60_000;

/** Records the transaction key the gateway accepted a submission under (PaymentSubmitted). */
export type RecordSubmission = (s: CardSubmission, transactionKey: string) => Promise<void>;

export const recordSubmissionIn =
  (store: EventStore): RecordSubmission =>
  async (s, transactionKey) => {
    const ctx = systemContext("card-submitter");
    await applyOrderCommand(
      { store },
      s.orderId,
      { type: "RecordSubmission", paymentId: s.paymentId, report: { transactionKey, amount: s.amount }, now: ctx.now },
      ctx,
    );
  };

/**
 * Hands card payments to the gateway in the background, retrying until the gateway accepts, the
 * order's payment window ends or SUBMIT_FOR_MS pass, and records the transaction key it was
 * accepted under. The card number lives only here, in memory, never in an event; if this process
 * dies first, the payment stays PENDING without a key and the settle job releases it (or records
 * the key, if the gateway got it after all).
 */
export class CardSubmitter {
  private readonly stopping = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly client: GatewayClient,
    private readonly logger: Logger,
    private readonly record: RecordSubmission = async () => undefined,
  ) {}

  enqueue(submission: CardSubmission, until: number): void {
    const run = this.submit(submission, Math.min(until, Date.now() + SUBMIT_FOR_MS)).finally(() => this.inFlight.delete(run));
    this.inFlight.add(run);
  }

  private async submit(s: CardSubmission, until: number): Promise<void> {
    let delay = 250;
    while (!this.stopping.signal.aborted && Date.now() < until) {
      let transactionKey: string;
      try {
        ({ transactionKey } = await this.client.submit(s));
      } catch (err) {
        if (err instanceof GatewayError && !err.retryable) {
          this.logger.warn({ err: err.message, paymentId: s.paymentId }, "gateway refused the payment; it stays pending");
          return;
        }
        if (!isBreakerOpen(err)) this.logger.warn({ err: (err as Error).message, paymentId: s.paymentId }, "gateway unavailable; retrying");
        await sleep(delay * (0.5 + Math.random()), this.stopping.signal);
        delay = Math.min(delay * 2, 5_000);
        continue;
      }
      // Not recorded (the store away, a mismatch): the settle job records it from the gateway's status.
      await this.record(s, transactionKey).catch((err: unknown) =>
        this.logger.warn({ err, orderId: s.orderId, paymentId: s.paymentId }, "accepted card payment not recorded; the settle job will"),
      );
      return;
    }
    if (!this.stopping.signal.aborted)
      this.logger.warn({ orderId: s.orderId, paymentId: s.paymentId }, "card payment not submitted in time; it will be released");
  }

  /** Resolves once every submission enqueued so far has been accepted, refused or given up. */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  /** Ends every retry loop at once (a deploy must not wait out a back-off); a submission in progress finishes. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.idle();
  }
}
