/**
 * Preloaded into command-api by `--phases` (node --import): times each stage of a claim from the
 * outside, through diagnostics channels and prototype wrappers, so the app's code stays untouched.
 * SIGUSR2 restarts the counts (the bench sends it when the measured window opens); on exit the
 * numbers go as JSON to the file named by `--bench-phases-out=<file>` on the command line.
 */
import { subscribe, tracingChannel } from "node:diagnostics_channel";
import { writeFileSync } from "node:fs";
import { createHistogram, monitorEventLoopDelay, performance, type RecordableHistogram } from "node:perf_hooks";
import { MysqlEventStore } from "@surge/platform/eventstore/mysql-event-store";
import type { PhaseReport } from "./phases.js";

const OUT_FLAG = "--bench-phases-out=";
const out = process.argv.find((a) => a.startsWith(OUT_FLAG))?.slice(OUT_FLAG.length);

const histograms = new Map<string, RecordableHistogram>();
function record(name: string, ms: number): void {
  let h = histograms.get(name);
  if (!h) histograms.set(name, (h = createHistogram()));
  h.record(Math.max(1, Math.round(ms * 1000)));
}

const batchSizes = createHistogram();

const LOOP_RESOLUTION_MS = 2;
const loopDelay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
loopDelay.enable();
let eluStart = performance.eventLoopUtilization();
let windowStart = performance.now();

process.on("SIGUSR2", () => {
  for (const h of histograms.values()) h.reset();
  batchSizes.reset();
  loopDelay.reset();
  eluStart = performance.eventLoopUtilization();
  windowStart = performance.now();
});

// Whole request, as the server sees it: parsed headers to the last byte handed to the socket.
const started = new WeakMap<object, number>();
subscribe("http.server.request.start", (m) => started.set((m as { response: object }).response, performance.now()));
subscribe("http.server.response.finish", (m) => {
  const t0 = started.get((m as { response: object }).response);
  if (t0 !== undefined) record("http request (server side)", performance.now() - t0);
});

/** A tracing channel's start→asyncStart span: issue to callback, event-loop wait included. */
function traceSpans(channel: string, label: (ctx: Record<string, unknown>) => string): void {
  const t0 = new WeakMap<object, number>();
  tracingChannel(channel).subscribe({
    start: (ctx) => void t0.set(ctx, performance.now()),
    end: () => {},
    asyncStart: (ctx) => {
      const t = t0.get(ctx);
      if (t !== undefined) record(label(ctx), performance.now() - t);
    },
    asyncEnd: () => {},
    error: () => {},
  });
}

/** mysql2 inlines parameters client-side; strip values so each statement shape is one row. */
const statement = (sql: string) =>
  sql
    .replace(/\s+/g, " ")
    .replace(/'(?:[^'\\]|\\.)*'/g, "?")
    .replace(/\b\d+(\.\d+)?\b/g, "?")
    .replace(/\((\?|null)(, ?(\?|null))*\)/g, "(…)")
    .replace(/(, \(…\))+/g, ", …")
    .slice(0, 64);
traceSpans("mysql2:query", (ctx) => `mysql ${statement(String(ctx.query))}`);
traceSpans("ioredis:command", (ctx) => `redis ${String(ctx.command)}`);

/** Wraps an async method on a prototype; a method that moved away is reported, not fatal. */
function timeMethod(proto: object, method: string, name: string, extra?: (args: unknown[]) => void): void {
  const original = (proto as Record<string, unknown>)[method];
  if (typeof original !== "function") {
    console.warn(`phase probe: ${method} not found; "${name}" is not timed`);
    return;
  }
  (proto as Record<string, unknown>)[method] = async function (this: unknown, ...args: unknown[]) {
    extra?.(args);
    const t = performance.now();
    try {
      return await (original as (...a: unknown[]) => Promise<unknown>).apply(this, args);
    } finally {
      record(name, performance.now() - t);
    }
  };
}

timeMethod(MysqlEventStore.prototype, "appendMulti", "event store append (queue wait + transaction)");
timeMethod(MysqlEventStore.prototype, "flush", "event store transaction (one group commit)", (args) => {
  if (Array.isArray(args[0]) && args[0].length > 0) batchSizes.record(args[0].length);
});

const subtle = Object.getPrototypeOf(globalThis.crypto.subtle) as object;
timeMethod(subtle, "importKey", "jwt crypto.subtle.importKey");
timeMethod(subtle, "verify", "jwt crypto.subtle.verify (HMAC on the thread pool)");

process.on("exit", () => {
  if (!out) return;
  const elu = performance.eventLoopUtilization(eluStart);
  const report: PhaseReport = {
    windowMs: performance.now() - windowStart,
    batchSize: { count: batchSizes.count, mean: batchSizes.mean, p50: batchSizes.percentile(50), p99: batchSizes.percentile(99) },
    eventLoopUtilization: elu.utilization,
    loopDelayP50Ms: loopDelay.percentile(50) / 1e6 - LOOP_RESOLUTION_MS,
    loopDelayP99Ms: loopDelay.percentile(99) / 1e6 - LOOP_RESOLUTION_MS,
    phases: [...histograms.entries()]
      .filter(([, h]) => h.count > 0)
      .map(([name, h]) => ({
        name,
        count: h.count,
        meanMs: h.mean / 1000,
        p50Ms: h.percentile(50) / 1000,
        p99Ms: h.percentile(99) / 1000,
      })),
  };
  writeFileSync(out, JSON.stringify(report, null, 2));
});
