import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { Redis } from "ioredis";
import { waitFor } from "./wait.js";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

/**
 * A redis-server of the test's own, for tests that FLUSHALL or kill Redis, which would otherwise
 * wipe the key spaces of test files running in parallel.
 */
export async function startPrivateRedis(): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
    stdio: "ignore",
  });
  const url = `redis://127.0.0.1:${port}`;
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  // Refused connections are expected until the server listens.
  probe.on("error", () => undefined);
  await waitFor(
    "the private redis-server to answer",
    async () => {
      try {
        await probe.connect();
        return (await probe.ping()) === "PONG";
      } catch {
        return false;
      }
    },
    { timeoutMs: 5_000, everyMs: 50 },
  );
  probe.disconnect();
  return {
    url,
    stop: async () => {
      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));
    },
  };
}
