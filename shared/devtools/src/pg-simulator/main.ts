import { runMain } from "@surge/platform/lifecycle";
import { readEnv } from "./env.js";
import { startPgSimulator } from "./start.js";

await runMain(() => startPgSimulator(readEnv()));
