import { runMain } from "@surge/platform/lifecycle";
import { readRelayEnv } from "./env.js";
import { startRelay } from "./start.js";

await runMain(() => startRelay(readRelayEnv()));
