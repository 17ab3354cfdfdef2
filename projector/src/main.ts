import { runMain } from "@surge/platform/lifecycle";
import { readEnv } from "./env.js";
import { runRetryFailed } from "./retry-failed.js";
import { startProjector } from "./start.js";

const command = process.argv[2];

if (command === "retry-failed") {
  process.exit(await runRetryFailed(readEnv()));
} else if (command !== undefined) {
  console.error(`unknown command "${command}"; usage: projector [retry-failed]`);
  process.exit(2);
}
await runMain(() => startProjector(readEnv()));
