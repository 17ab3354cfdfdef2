import { parseArgs } from "node:util";
import { Hono } from "hono";
import { listen } from "@surge/platform/http/server";

/**
 * The ceiling for the rankings bench: a GET on hono with nothing behind it, listening through the
 * same `listen` as every Surge app, answering a body shaped and sized like a top-10 ranking.
 */
const { values } = parseArgs({ options: { port: { type: "string" } } });
const port = Number(values.port);
if (!Number.isInteger(port) || port <= 0) {
  console.error("usage: bare-rankings-server.ts --port <n>");
  process.exit(2);
}

const body = {
  period: "DAILY",
  from: "2026-11-30",
  to: "2026-11-30",
  by: "QUANTITY",
  items: Array.from({ length: 10 }, (_, i) => ({
    rank: i + 1,
    productId: `0190c1f2-7a2b-7cde-8f01-23456789ab${String(i).padStart(2, "0")}`,
    name: `Bench product ${1000 + i}`,
    quantity: 9_000 - i * 37,
    revenue: 297_000_000 - i * 1_234_567,
    orders: 4_000 - i * 11,
  })),
};

const app = new Hono();
app.get("/bare", (c) => c.json(body, 200));
app.get("/ready", (c) => c.json({ status: "ready" }));

const server = await listen(app.fetch, port);
// Exit on SIGTERM through process.exit, so --cpu-prof gets to write its profile.
process.once("SIGTERM", () => {
  void server.close().then(() => process.exit(0));
});
