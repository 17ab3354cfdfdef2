import { onShutdown } from "@surge/platform/lifecycle";
import { readEnv } from "./env.js";
import { startPgSimulator } from "./start.js";

try {
  const sim = await startPgSimulator(readEnv());
  onShutdown(sim.logger, sim.stop);
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
