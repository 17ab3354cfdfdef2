import { parseArgs } from "node:util";
import { Hono } from "hono";
import { listen } from "@surge/platform/http/server";

/**
 * The ceiling for the claims bench: hono on @hono/node-server with nothing behind the route. It
 * listens through the same `listen` as every Surge app, so server settings are not a difference.
 */
const { values } = parseArgs({ options: { port: { type: "string" } } });
const port = Number(values.port);
if (!Number.isInteger(port) || port <= 0) {
  console.error("usage: bare-server.ts --port <n>");
  process.exit(2);
}

// Shaped and sized like a claim response, so both targets put the same bytes on the wire.
const body = {
  claimId: "0190c1f2-7a2b-7cde-8f01-23456789abcd",
  couponId: "0190c1f2-7a2b-7cde-8f01-23456789abce",
  userId: "bench-u1",
  status: "AVAILABLE",
  claimedAt: "2026-11-21T10:00:00.000Z",
  expiresAt: null,
};

const app = new Hono();
app.post("/bare", (c) => c.json(body, 201));
app.get("/ready", (c) => c.json({ status: "ready" }));

const server = await listen(app.fetch, port);
// Exit on SIGTERM through process.exit, so --cpu-prof gets to write its profile.
process.once("SIGTERM", () => {
  void server.close().then(() => process.exit(0));
});
