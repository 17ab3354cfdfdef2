import autocannon from "autocannon";
import { createHistogram, performance } from "node:perf_hooks";

export interface LoadOptions {
  url: string;
  method: "GET" | "POST";
  connections: number;
  durationS: number;
  /** Called for every request, so each one can carry a different user's token. */
  headers: () => Record<string, string>;
  /** Called for every request when it has a body (a JSON order, say). */
  body?: () => string;
}

export interface LoadResult {
  durationS: number;
  /** Responses completed inside the measured window, per second of the window. */
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  responses: number;
  byStatus: Record<number, number>;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** How long the in-flight requests took to finish after the window closed. */
  drainMs: number;
}

/** autocannon's Client keeps these as plain fields; the public types do not list them. */
interface DrainableClient {
  reqsMade: number;
  responseMax?: number;
  once(event: "done", listener: () => void): unknown;
}

/** autocannon's own timer only fires if draining hangs; it then cuts sockets mid-request. */
const BACKSTOP_S = 30;

/**
 * Drives a URL with autocannon. When the window closes, each connection finishes the request it has
 * in flight instead of being cut off: autocannon's duration stop would drop those answers while the
 * server still commits them, and 201s could no longer be reconciled exactly with stored events.
 */
export function runLoad(o: LoadOptions): Promise<LoadResult> {
  const clients: DrainableClient[] = [];
  // Microseconds: autocannon's own histogram keeps whole milliseconds, too coarse for a bare route.
  const latencyUs = createHistogram({ lowest: 1, highest: 120_000_000, figures: 3 });
  const byStatus: Record<number, number> = {};
  let responses = 0;
  let inWindow = 0;
  let done = 0;
  let drainedAt = Number.NaN;

  const startedAt = performance.now();
  const windowEnd = startedAt + o.durationS * 1000;
  const drainTimer = setTimeout(() => {
    for (const c of clients) c.responseMax = c.reqsMade;
  }, o.durationS * 1000);

  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: o.url,
        method: o.method,
        connections: o.connections,
        pipelining: 1,
        duration: o.durationS + BACKSTOP_S,
        requests: [
          {
            setupRequest: (req) => {
              req.headers = { ...req.headers, ...o.headers() };
              if (o.body) req.body = o.body();
              return req;
            },
          },
        ],
        setupClient: (client) => {
          const c = client as unknown as DrainableClient;
          clients.push(c);
          c.once("done", () => {
            if (++done === o.connections) drainedAt = performance.now();
          });
        },
      },
      (err, result) => {
        clearTimeout(drainTimer);
        if (err) return reject(err instanceof Error ? err : new Error(String(err)));
        const non2xx = Object.entries(byStatus).reduce((n, [code, count]) => (code.startsWith("2") ? n : n + count), 0);
        resolve({
          durationS: o.durationS,
          requestsPerSec: inWindow / o.durationS,
          p50Ms: latencyUs.percentile(50) / 1000,
          p99Ms: latencyUs.percentile(99) / 1000,
          maxMs: latencyUs.max / 1000,
          responses,
          byStatus,
          non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          drainMs: (Number.isNaN(drainedAt) ? performance.now() : drainedAt) - windowEnd,
        });
      },
    );
    instance.on("response", (_client: unknown, status: number, _bytes: number, ms: number) => {
      responses++;
      byStatus[status] = (byStatus[status] ?? 0) + 1;
      latencyUs.record(Math.max(1, Math.round(ms * 1000)));
      if (performance.now() <= windowEnd) inWindow++;
    });
  });
}
