import { GatewayError, isBreakerOpen, type CardSubmission, type GatewayClient } from "./gateway-client.js";
import { type Logger } from "pino";
import { sleep } from "@surge/platform/backoff";

/**
 * Hands card payments to the gateway in the background, retrying until the gateway accepts or the
 * order's payment window ends. The card number lives only here, in memory, never in an event; if
 * this process dies first, the payment stays PENDING and the order expires (no charge was made).
 */
export class CardSubmitter {
  private readonly stopping = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly client: GatewayClient,
    private readonly logger: Logger,
  ) {}

  enqueue(submission: CardSubmission, until: number): void {
    const run = this.submit(submission, until).finally(() => this.inFlight.delete(run));
    this.inFlight.add(run);
  }

  private async submit(s: CardSubmission, until: number): Promise<void> {
    let delay = 250;
    while (!this.stopping.signal.aborted && Date.now() < until) {
      try {
        await this.client.submit(s);
        return;
      } catch (err) {
        if (err instanceof GatewayError && !err.retryable) {
          this.logger.warn({ err: err.message, paymentId: s.paymentId }, "gateway refused the payment; it stays pending");
          return;
        }
        if (!isBreakerOpen(err)) this.logger.warn({ err: (err as Error).message, paymentId: s.paymentId }, "gateway unavailable; retrying");
      }
      await sleep(delay * (0.5 + Math.random()), this.stopping.signal);
      delay = Math.min(delay * 2, 5_000);
    }
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
