import { onShutdown } from "@surge/platform/lifecycle";
import { PreflightError } from "@surge/platform/preflight";
import { readEnv } from "./env.js";
import { runRetryFailed } from "./retry-failed.js";
import { startProjector } from "./start.js";

const command = process.argv[2];

try {
  if (command === "retry-failed") {
    process.exit(await runRetryFailed(readEnv()));
  } else if (command !== undefined) {
    console.error(`unknown command "${command}"; usage: projector [retry-failed]`);
    process.exit(2);
  }
  const projector = await startProjector(readEnv());
  onShutdown(projector.logger, projector.stop);
} catch (err) {
  console.error(err instanceof PreflightError ? err.message : err);
  process.exit(1);
}
