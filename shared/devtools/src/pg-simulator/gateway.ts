import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import { applyConfigPatch, type PatchResult, type PgSimConfig, type PgSimConfigPatch } from "./config.js";
import { PG_SIGNATURE_HEADER, signBody } from "@surge/areas/payments/signature";

export const CARD_TYPES = ["SAMSUNG", "KB", "HYUNDAI"] as const;
export type CardType = (typeof CARD_TYPES)[number];
export type PaymentOutcome = "SUCCESS" | "LIMIT_EXCEEDED" | "INVALID_CARD";
export type PaymentStatus = "PENDING" | PaymentOutcome | "REFUNDED";

export interface PaymentRequest {
  orderId: string;
  paymentId: string;
  card: { type: CardType; number: string };
  amount: number;
  callbackUrl: string;
}

/** What `GET /payments/{transactionKey}` shows; the full card number is never kept. */
export interface TransactionView {
  transactionKey: string;
  orderId: string;
  paymentId: string;
  amount: number;
  status: PaymentStatus;
  card: { type: CardType; last4: string };
}

/** The JSON body of a callback, signed as sent. */
export interface PgCallbackBody {
  transactionKey: string;
  orderId: string;
  paymentId: string;
  status: PaymentOutcome;
  amount: number;
  completedAt: string;
}

// ---------------------------------------------------------------------------------------------
// Pure parts: the PRNG and the decisions drawn from it.

/** mulberry32: a tiny seeded PRNG, uniform in [0, 1). Same seed, same sequence. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [min, max], from a uniform draw u in [0, 1). */
export const between = (u: number, min: number, max: number): number => min + Math.floor(u * (max - min + 1));

/** INVALID_CARD takes the first slice of [0, 1), LIMIT_EXCEEDED the next, SUCCESS the rest. */
export function pickOutcome(u: number, c: Pick<PgSimConfig, "limitExceededRate" | "invalidCardRate">): PaymentOutcome {
  if (u < c.invalidCardRate) return "INVALID_CARD";
  if (u < c.invalidCardRate + c.limitExceededRate) return "LIMIT_EXCEEDED";
  return "SUCCESS";
}

export interface Decision {
  requestDelayMs: number;
  fail: boolean;
  outcome: PaymentOutcome;
  completionDelayMs: number;
}

/**
 * Everything random about one `POST /payments`, drawn at once and always four draws, so the
 * sequence of decisions depends only on the seed and the order requests arrive in.
 */
export function decide(random: () => number, c: PgSimConfig): Decision {
  const [a, b, d, e] = [random(), random(), random(), random()];
  return {
    requestDelayMs: between(a, c.requestMinDelayMs, c.requestMaxDelayMs),
    fail: b < c.requestFailureRate,
    outcome: pickOutcome(d, c),
    completionDelayMs: between(e, c.minDelayMs, c.maxDelayMs),
  };
}

// ---------------------------------------------------------------------------------------------
// The stateful gateway.

interface Transaction extends TransactionView {
  callbackUrl: string;
  createdAt: string;
  completedAt: string | null;
}

export type RequestResult =
  | { kind: "accepted"; transaction: TransactionView }
  | { kind: "duplicate"; transaction: TransactionView }
  | { kind: "conflict"; transactionKey: string }
  | { kind: "failed" }
  | { kind: "stopped" };

export type RefundResult = { kind: "refunded"; transaction: TransactionView } | { kind: "not-found" } | { kind: "not-refundable"; status: PaymentStatus };

export interface CallbackRetry {
  /** Delivery attempts per callback, the first included. */
  attempts: number;
  /** Wait before the 2nd attempt; doubles each time after. */
  baseDelayMs: number;
  /** An attempt without an answer by then counts as failed. */
  timeoutMs: number;
}

export const DEFAULT_CALLBACK_RETRY: CallbackRetry = { attempts: 5, baseDelayMs: 500, timeoutMs: 5000 };

export interface GatewayOptions {
  config: PgSimConfig;
  seed: number;
  secret: string;
  logger: Logger;
  callbackRetry?: Partial<CallbackRetry>;
}

const view = (t: Transaction): TransactionView => ({
  transactionKey: t.transactionKey,
  orderId: t.orderId,
  paymentId: t.paymentId,
  amount: t.amount,
  status: t.status,
  card: { ...t.card },
});

/**
 * An unreliable card gateway, in memory: accepts (or fails) payment requests, completes them
 * later with a random outcome and reports each outcome with signed, retried callbacks.
 */
export class PgGateway {
  readonly seed: number;
  private current: PgSimConfig;
  private readonly random: () => number;
  private readonly secret: string;
  private readonly logger: Logger;
  private readonly retry: CallbackRetry;
  private readonly byKey = new Map<string, Transaction>();
  private readonly byPaymentId = new Map<string, Transaction>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly deliveries = new Set<Promise<void>>();
  private readonly closing = new AbortController();
  private refused = 0;

  constructor(opts: GatewayOptions) {
    this.seed = opts.seed >>> 0;
    this.current = { ...opts.config };
    this.random = mulberry32(this.seed);
    this.secret = opts.secret;
    this.logger = opts.logger;
    this.retry = { ...DEFAULT_CALLBACK_RETRY, ...opts.callbackRetry };
  }

  config(): PgSimConfig {
    return { ...this.current };
  }

  updateConfig(patch: PgSimConfigPatch): PatchResult {
    const result = applyConfigPatch(this.current, patch);
    if (result.ok) {
      this.current = result.config;
      this.logger.info({ config: result.config }, "config changed");
    }
    return result;
  }

  /**
   * One `POST /payments`. A failed request changes nothing. A paymentId seen before is answered
   * with its transaction (or a conflict if the request differs) and starts nothing new.
   */
  async request(req: PaymentRequest): Promise<RequestResult> {
    const config = this.config();
    const decision = decide(this.random, config);
    const last4 = req.card.number.slice(-4);
    let result: RequestResult;
    let created: Transaction | undefined;
    const existing = this.byPaymentId.get(req.paymentId);
    if (decision.fail) {
      this.refused++;
      result = { kind: "failed" };
    } else if (existing) {
      const same = existing.orderId === req.orderId && existing.amount === req.amount && existing.card.type === req.card.type && existing.card.last4 === last4;
      result = same ? { kind: "duplicate", transaction: view(existing) } : { kind: "conflict", transactionKey: existing.transactionKey };
    } else {
      created = {
        transactionKey: `tx_${randomUUID().replace(/-/g, "")}`,
        orderId: req.orderId,
        paymentId: req.paymentId,
        amount: req.amount,
        status: "PENDING",
        card: { type: req.card.type, last4 },
        callbackUrl: req.callbackUrl,
        createdAt: new Date().toISOString(),
        completedAt: null,
      };
      // Registered before the delay, so a concurrent retry of the same paymentId finds it.
      this.byKey.set(created.transactionKey, created);
      this.byPaymentId.set(created.paymentId, created);
      result = { kind: "accepted", transaction: view(created) };
    }
    if (decision.requestDelayMs > 0) {
      try {
        await sleep(decision.requestDelayMs, undefined, { signal: this.closing.signal });
      } catch {
        return { kind: "stopped" };
      }
    }
    if (created) {
      this.logger.debug({ transactionKey: created.transactionKey, outcome: decision.outcome, inMs: decision.completionDelayMs }, "payment accepted");
      // The completion clock starts when the acceptance is answered; callback settings are the ones in force at acceptance.
      this.schedule(decision.completionDelayMs, () => this.complete(created, decision.outcome, config));
    }
    return result;
  }

  get(transactionKey: string): TransactionView | undefined {
    const t = this.byKey.get(transactionKey);
    return t && view(t);
  }

  listByOrder(orderId: string): TransactionView[] {
    return [...this.byKey.values()].filter((t) => t.orderId === orderId).map(view);
  }

  /** SUCCESS becomes REFUNDED; refunding a REFUNDED transaction again is a no-op. */
  refund(transactionKey: string): RefundResult {
    const t = this.byKey.get(transactionKey);
    if (!t) return { kind: "not-found" };
    if (t.status === "SUCCESS") {
      t.status = "REFUNDED";
      this.logger.info({ transactionKey }, "payment refunded");
    }
    if (t.status !== "REFUNDED") return { kind: "not-refundable", status: t.status };
    return { kind: "refunded", transaction: view(t) };
  }

  /** Requests failed on purpose (`requestFailureRate`) so far: tests wait on it instead of sleeping. */
  refusedRequests(): number {
    return this.refused;
  }

  /** Resolves once every callback started so far has been delivered, each repeat answered (or given up). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.deliveries]);
  }

  /** Cancels pending completions and retries and waits for callbacks in flight to give up. */
  async stop(): Promise<void> {
    this.closing.abort();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await this.idle();
  }

  private schedule(ms: number, fn: () => void): void {
    if (this.closing.signal.aborted) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  private complete(t: Transaction, outcome: PaymentOutcome, config: PgSimConfig): void {
    t.status = outcome;
    t.completedAt = new Date().toISOString();
    this.logger.info({ transactionKey: t.transactionKey, status: outcome }, "payment completed");
    if (!config.callbacks) return;
    const body: PgCallbackBody = {
      transactionKey: t.transactionKey,
      orderId: t.orderId,
      paymentId: t.paymentId,
      status: outcome,
      amount: t.amount,
      completedAt: t.completedAt,
    };
    const delivery = this.deliver(t.callbackUrl, JSON.stringify(body), config.callbackRepeat, t.transactionKey);
    this.deliveries.add(delivery);
    void delivery.finally(() => this.deliveries.delete(delivery));
  }

  /** Sends the same signed bytes `repeat` times, one delivery after the other. */
  private async deliver(url: string, raw: string, repeat: number, transactionKey: string): Promise<void> {
    const signature = signBody(raw, this.secret);
    for (let i = 0; i < repeat && !this.closing.signal.aborted; i++) {
      await this.deliverOnce(url, raw, signature, transactionKey);
    }
  }

  private async deliverOnce(url: string, raw: string, signature: string, transactionKey: string): Promise<boolean> {
    const { attempts, baseDelayMs, timeoutMs } = this.retry;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      let failure: unknown;
      try {
        const res = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", [PG_SIGNATURE_HEADER]: signature },
          body: raw,
          signal: AbortSignal.any([this.closing.signal, AbortSignal.timeout(timeoutMs)]),
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) return true;
        failure = `HTTP ${res.status}`;
      } catch (err) {
        failure = err instanceof Error ? err.message : String(err);
      }
      if (this.closing.signal.aborted) return false;
      const last = attempt === attempts;
      this.logger.warn({ transactionKey, url, attempt, failure }, last ? "callback undeliverable; giving up" : "callback failed; will retry");
      if (last) break;
      try {
        await sleep(baseDelayMs * 2 ** (attempt - 1), undefined, { signal: this.closing.signal });
      } catch {
        return false;
      }
    }
    return false;
  }
}
