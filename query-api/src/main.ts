import { onShutdown, PreflightError } from "@surge/shared";
import { readEnv } from "./env.js";
import { startQueryApi } from "./start.js";

try {
  const api = await startQueryApi(readEnv());
  onShutdown(api.logger, api.stop);
} catch (err) {
  console.error(err instanceof PreflightError ? err.message : err);
  process.exit(1);
}
