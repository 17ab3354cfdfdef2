import { onShutdown, PreflightError } from "@surge/shared";
import { readEnv } from "./env.js";
import { startProjector } from "./start.js";

try {
  const projector = await startProjector(readEnv());
  onShutdown(projector.logger, projector.stop);
} catch (err) {
  console.error(err instanceof PreflightError ? err.message : err);
  process.exit(1);
}
