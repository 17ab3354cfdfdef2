import { runMain } from "@surge/platform/lifecycle";
import { readEnv } from "./env.js";
import { startQueryApi } from "./start.js";

await runMain(() => startQueryApi(readEnv()));
