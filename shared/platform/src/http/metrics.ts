import { Registry, collectDefaultMetrics, type Metric } from "prom-client";

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** One method and route: its requests by status and its latency histogram. */
interface RouteSeries {
  labels: { method: string; route: string };
  byStatus: Map<number, number>;
  /** Requests per latency bucket (not cumulative); the last one is past the highest bound. */
  buckets: number[];
  sum: number;
  count: number;
}

type Value = { labels: Record<string, string | number>; value: number; metricName?: string; sharedLabels?: Record<string, string> };

/**
 * http_requests_total and http_request_duration_seconds, kept as plain numbers per method and
 * route and handed to prom-client only when scraped. Recording a request is a couple of map
 * lookups and additions; prom-client's own Counter and Histogram validate, sort and hash their
 * labels on every call (about 1 µs a request, which shows on a cached query answered in 30).
 * The exposition is what those two would write.
 */
export class HttpMetrics {
  private readonly routes = new Map<string, Map<string, RouteSeries>>();

  record(method: string, route: string, status: number, seconds: number): void {
    let byRoute = this.routes.get(method);
    if (!byRoute) this.routes.set(method, (byRoute = new Map()));
    let series = byRoute.get(route);
    if (!series) {
      series = { labels: { method, route }, byStatus: new Map(), buckets: new Array<number>(LATENCY_BUCKETS.length + 1).fill(0), sum: 0, count: 0 };
      byRoute.set(route, series);
    }
    series.byStatus.set(status, (series.byStatus.get(status) ?? 0) + 1);
    let bucket = 0;
    while (bucket < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[bucket]!) bucket++;
    series.buckets[bucket]! += 1;
    series.sum += seconds;
    series.count += 1;
  }

  /** Registers both metrics in `registry`, as collectors shaped like prom-client's own. */
  register(registry: Registry): void {
    const all = () => [...this.routes.values()].flatMap((byRoute) => [...byRoute.values()]);
    const reset = () => this.routes.clear();
    const statusValues = (s: RouteSeries) => [...s.byStatus].map(([status, value]): Value => ({ labels: { ...s.labels, status: String(status) }, value }));
    // As prom-client's Histogram writes them: cumulative buckets, then +Inf, sum and count.
    const latencyName = "http_request_duration_seconds";
    const latencyValues = (s: RouteSeries): Value[] => {
      const bucket = `${latencyName}_bucket`;
      let cumulative = 0;
      return [
        ...LATENCY_BUCKETS.map((le, i): Value => ({ labels: { le }, value: (cumulative += s.buckets[i]!), metricName: bucket, sharedLabels: s.labels })),
        { labels: { le: "+Inf" }, value: s.count, metricName: bucket, sharedLabels: s.labels },
        { labels: {}, value: s.sum, metricName: `${latencyName}_sum`, sharedLabels: s.labels },
        { labels: {}, value: s.count, metricName: `${latencyName}_count`, sharedLabels: s.labels },
      ];
    };
    // getMetricsAsJSON reads get(), which for a histogram folds the series' labels into each value.
    const unshared = ({ sharedLabels, labels, ...rest }: Value): Value => ({ ...rest, labels: { ...labels, ...sharedLabels } });
    // The registry may rename a metric in place (OpenMetrics drops a counter's `_total`), so each
    // snapshot takes the metric's name as it is at scrape time.
    const collector = (name: string, help: string, type: string, values: () => Value[], forProm = values) => {
      const metric = {
        name,
        help,
        type,
        aggregator: "sum",
        reset,
        getForPromString: async () => ({ name: metric.name, help, type, aggregator: "sum", values: forProm() }),
        get: async () => ({ name: metric.name, help, type, aggregator: "sum", values: values() }),
      };
      registry.registerMetric(metric as unknown as Metric);
    };
    collector("http_requests_total", "HTTP requests by route and status", "counter", () => all().flatMap(statusValues));
    collector(
      latencyName,
      "HTTP request latency by route",
      "histogram",
      () => all().flatMap(latencyValues).map(unshared),
      () => all().flatMap(latencyValues),
    );
  }
}

/** One registry per app process, with the HTTP metrics every app exposes. */
export function createMetrics(app: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ app });
  collectDefaultMetrics({ register: registry });
  const http = new HttpMetrics();
  http.register(registry);
  return { registry, http };
}

export type Metrics = ReturnType<typeof createMetrics>;
