import { onShutdown, PreflightError } from "@surge/shared";
import { readRelayEnv } from "./env.js";
import { startRelay } from "./start.js";

try {
  const relay = await startRelay(readRelayEnv());
  onShutdown(relay.logger, relay.stop);
} catch (err) {
  console.error(err instanceof PreflightError ? err.message : err);
  process.exit(1);
}
