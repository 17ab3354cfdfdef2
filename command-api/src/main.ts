import { runMain } from "@surge/platform/lifecycle";
import { readEnv } from "./env.js";
import { startCommandApi } from "./start.js";

await runMain(() => startCommandApi(readEnv()));
