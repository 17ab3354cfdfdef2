import { onShutdown } from "@surge/platform/lifecycle";
import { PreflightError } from "@surge/platform/preflight";
import { readEnv } from "./env.js";
import { startCommandApi } from "./start.js";

try {
  const api = await startCommandApi(readEnv());
  onShutdown(api.logger, api.stop);
} catch (err) {
  console.error(err instanceof PreflightError ? err.message : err);
  process.exit(1);
}
