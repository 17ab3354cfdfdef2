import { availableParallelism, loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { CouponClaimed } from "@surge/areas/coupons/coupon-events";
import { OrderPlaced } from "@surge/areas/orders/events";
import { checkEvent } from "@surge/platform/eventstore/check";
import { eventMetadata } from "@surge/platform/events/metadata";
import { newEvent } from "@surge/platform/events/new-event";
import type { NewEvent } from "@surge/platform/eventstore/types";
import type { Cleanup } from "./lib/cleanup.js";
import { writeDocSection } from "./lib/report.js";

/**
 * What the store's schema check costs per event on the append path: the whole gate (data and
 * metadata) for the hot path's events, a claim and an order, beside the JSON.stringify every append
 * already does, so the figure has a yardstick. Pure CPU in this process: no database, no app.
 */
const metadata = {
  correlationId: "0193a0f2-6c1e-7a51-9c1d-3b1f2c4d5e6f",
  causationId: null,
  userId: "user-123456",
  occurredAt: "2026-11-21T10:00:00.123Z",
  requestHash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
};
const claimed = newEvent(
  CouponClaimed,
  {
    couponId: "0193a0f2-6c1e-7a51-9c1d-000000000001",
    claimId: "0193a0f2-6c1e-7a51-9c1d-000000000002",
    userId: "user-123456",
    claimedAt: "2026-11-21T10:00:00.123Z",
    expiresAt: "2027-01-01T00:00:00.000Z",
  },
  { metadata },
);
const line = (i: number) => ({
  dealId: `0193a0f2-6c1e-7a51-9c1d-00000000000${i}-d${i}`,
  productId: `0193a0f2-6c1e-7a51-9c1d-10000000000${i}`,
  productName: `Product ${i}`,
  quantity: 2,
  unitPrice: 10_000,
  lineAmount: 20_000,
});
const placed = newEvent(
  OrderPlaced,
  {
    orderId: "0193a0f2-6c1e-7a51-9c1d-200000000001",
    userId: "user-123456",
    eventId: "0193a0f2-6c1e-7a51-9c1d-00000000000e",
    items: [line(1), line(2)],
    totalAmount: 40_000,
    discountAmount: 5_000,
    payableAmount: 35_000,
    couponClaimId: "0193a0f2-6c1e-7a51-9c1d-000000000002",
    couponId: "0193a0f2-6c1e-7a51-9c1d-000000000001",
    placedAt: "2026-11-21T10:00:00.123Z",
    expiresAt: "2026-11-21T10:10:00.123Z",
  },
  { metadata, tag: "event:0193a0f2-6c1e-7a51-9c1d-00000000000e" },
);

interface Measured {
  what: string;
  wallUs: number;
  cpuUs: number;
}

function measure(what: string, iterations: number, fn: () => void): Measured {
  for (let i = 0; i < iterations / 5; i++) fn();
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) fn();
  const wallMs = performance.now() - t0;
  const used = process.cpuUsage(cpu);
  return { what, wallUs: (wallMs * 1000) / iterations, cpuUs: (used.user + used.system) / iterations };
}

const cases = (e: NewEvent, name: string) => [
  { what: `${name}: checkEvent (data + metadata)`, fn: () => checkEvent("s", e) },
  { what: `${name}: data schema only`, fn: () => void e.eventType.schema.safeParse(e.data) },
  { what: `${name}: metadata schema only`, fn: () => void eventMetadata.safeParse(e.metadata) },
  { what: `${name}: JSON.stringify data + metadata (yardstick)`, fn: () => void (JSON.stringify(e.data).length + JSON.stringify(e.metadata).length) },
];

export async function run(argv: string[], _cleanup: Cleanup): Promise<number> {
  const at = argv.indexOf("--iterations");
  const iterations = at >= 0 ? Number(argv[at + 1]) : 100_000;
  if (!Number.isInteger(iterations) || iterations < 5) {
    console.error("--iterations takes a whole number of at least 5");
    return 2;
  }
  const rows = [...cases(claimed, "CouponClaimed"), ...cases(placed, "OrderPlaced")].map((c) => measure(c.what, iterations, c.fn));
  const load = `load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores: CPU µs is the figure to compare when the machine is busy (wall time then includes waiting for a core)`;
  const table = [
    "| what | wall µs/event | CPU µs/event |",
    "| --- | ---: | ---: |",
    ...rows.map((r) => `| ${r.what} | ${r.wallUs.toFixed(2)} | ${r.cpuUs.toFixed(2)} |`),
  ].join("\n");
  console.log(`${table}\n${load}`);
  if (!argv.includes("--no-docs")) {
    await writeDocSection(
      "validation",
      `## validation\n\nThe store's schema check per event (node ${process.version}), ${iterations} iterations after ${iterations / 5} warm-up, one process, no I/O; ${load}.\n\n${table}`,
    );
  }
  return 0;
}
