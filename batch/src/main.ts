import { runMain } from "@surge/platform/lifecycle";
import { readEnv } from "./env.js";
import { startBatch } from "./start.js";

await runMain(() => startBatch(readEnv()));
