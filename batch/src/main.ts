import { onShutdown } from "@surge/platform/lifecycle";
import { PreflightError } from "@surge/platform/preflight";
import { readEnv } from "./env.js";
import { startBatch } from "./start.js";

try {
  const batch = await startBatch(readEnv());
  onShutdown(batch.logger, batch.stop);
} catch (err) {
  console.error(err instanceof PreflightError ? err.message : err);
  process.exit(1);
}
