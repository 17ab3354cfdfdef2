import { onShutdown } from "@surge/platform/lifecycle";
import { PreflightError } from "@surge/platform/preflight";
import { readEnv } from "./env.js";
import { startQueryApi } from "./start.js";

try {
  const api = await startQueryApi(readEnv());
  onShutdown(api.logger, api.stop);
} catch (err) {
  console.error(err instanceof PreflightError ? err.message : err);
  process.exit(1);
}
