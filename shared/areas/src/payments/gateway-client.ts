import { BrokenCircuitError, CircuitState, circuitBreaker, ConsecutiveBreaker, ExponentialBackoff, handleWhen, retry, wrap } from "cockatiel";
import { z } from "zod";

/** A failure worth retrying: the network, a timeout, 5xx or 429. A 4xx is an answer, not a failure. */
export class GatewayError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = "GatewayError";
  }
}

export const pgPaymentSchema = z.object({
  transactionKey: z.string(),
  orderId: z.string(),
  paymentId: z.string(),
  amount: z.number(),
  status: z.enum(["PENDING", "SUCCESS", "LIMIT_EXCEEDED", "INVALID_CARD", "REFUNDED"]),
});
export type PgPayment = z.infer<typeof pgPaymentSchema>;

export interface CardSubmission {
  orderId: string;
  paymentId: string;
  card: { type: string; number: string };
  amount: number;
  callbackUrl: string;
}

export interface GatewayClientOptions {
  baseUrl: string;
  timeoutMs?: number;
  maxAttempts?: number;
  /** Consecutive failures that open the breaker, and how long it stays open. */
  breakAfter?: number;
  halfOpenAfterMs?: number;
}

/**
 * The client to the card gateway: every call has a timeout; retryable failures are retried with
 * exponential backoff and decorrelated jitter; a circuit breaker stops calling a gateway that keeps
 * failing. Submissions are idempotent by payment id at the gateway, so a retry of a request that
 * timed out after being accepted cannot charge twice.
 */
export class GatewayClient {
  private readonly policy;
  readonly breaker;

  constructor(private readonly options: GatewayClientOptions) {
    const retryable = handleWhen((err) => err instanceof GatewayError && err.retryable);
    this.breaker = circuitBreaker(retryable, { halfOpenAfter: options.halfOpenAfterMs ?? 5_000, breaker: new ConsecutiveBreaker(options.breakAfter ?? 5) });
    const retries = retry(retryable, { maxAttempts: options.maxAttempts ?? 3, backoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 2_000 }) });
    this.policy = wrap(retries, this.breaker);
  }

  get isOpen(): boolean {
    return this.breaker.state === CircuitState.Open || this.breaker.state === CircuitState.Isolated;
  }

  private call<T>(path: string, init: RequestInit, parse: (body: unknown) => T): Promise<T> {
    return this.policy.execute(async () => {
      let res: Response;
      try {
        res = await fetch(`${this.options.baseUrl}${path}`, { ...init, signal: AbortSignal.timeout(this.options.timeoutMs ?? 2_000) });
      } catch (err) {
        throw new GatewayError(`gateway unreachable: ${(err as Error).message}`, true);
      }
      if (res.status >= 500 || res.status === 429) throw new GatewayError(`gateway answered ${res.status}`, true);
      if (!res.ok) throw new GatewayError(`gateway refused: ${res.status} ${await res.text()}`, false);
      return parse(await res.json());
    });
  }

  submit(s: CardSubmission): Promise<{ transactionKey: string }> {
    return this.call("/payments", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(s) }, (b) =>
      z.object({ transactionKey: z.string() }).parse(b),
    );
  }

  findByOrder(orderId: string): Promise<PgPayment[]> {
    return this.call(
      `/payments?orderId=${encodeURIComponent(orderId)}`,
      { method: "GET" },
      (b) => z.object({ items: z.array(pgPaymentSchema.passthrough()) }).parse(b).items,
    );
  }

  refund(transactionKey: string): Promise<void> {
    return this.call(`/payments/${encodeURIComponent(transactionKey)}/refund`, { method: "POST" }, () => undefined);
  }
}

export const isBreakerOpen = (err: unknown) => err instanceof BrokenCircuitError;
