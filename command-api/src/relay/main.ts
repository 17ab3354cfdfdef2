import { onShutdown } from "@surge/platform/lifecycle";
import { PreflightError } from "@surge/platform/preflight";
import { readRelayEnv } from "./env.js";
import { startRelay } from "./start.js";

try {
  const relay = await startRelay(readRelayEnv());
  onShutdown(relay.logger, relay.stop);
} catch (err) {
  console.error(err instanceof PreflightError ? err.message : err);
  process.exit(1);
}
