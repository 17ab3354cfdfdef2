import type { Cleanup } from "./cleanup.js";
import type { BenchArgs } from "./args.js";
import { appEnv, startBenchChild } from "./bench-child.js";
import type { NodeChild } from "./child.js";
import type { Fixture } from "./fixture.js";

export interface Instrumentation {
  profileRoot?: string | undefined;
  /** Where the phase probe writes its JSON report on exit; no probe without it. */
  phasesFile?: string | undefined;
  /** Run the built dist as `npm start` does (the probe needs the source: not with phasesFile). */
  built?: boolean | undefined;
}

/** command-api as production runs it (NODE_ENV=production, quiet logs), on the bench's own stores. */
export function startCommandApiChild(fx: Fixture, args: BenchArgs, cleanup: Cleanup, inst: Instrumentation = {}): Promise<NodeChild> {
  return startBenchChild(cleanup, {
    name: "command-api",
    entry: "command-api/src/main.ts",
    portVar: "COMMAND_API_PORT",
    profileRoot: inst.profileRoot,
    built: inst.built,
    ...(inst.phasesFile ? { nodeFlags: ["--import", "./shared/devtools/src/bench/lib/phase-probe.ts"], args: [`--bench-phases-out=${inst.phasesFile}`] } : {}),
    env: {
      ...appEnv(fx),
      // 1,000 users share the load, so at bench rates each exceeds a human's limit: the limiter
      // still runs (its Redis script is part of the cost) but never answers 429.
      RATE_LIMIT_PER_SECOND: "1000000",
      RATE_LIMIT_BURST: "1000000",
      ...args.childEnv,
    },
  });
}

/** The bare hono route, with the same runtime flags and NODE_ENV as the app it is compared with. */
export function startBareChild(fx: Fixture, cleanup: Cleanup, profileRoot?: string): Promise<NodeChild> {
  return startBenchChild(cleanup, {
    name: "bare",
    entry: "shared/devtools/src/bench/bare-server.ts",
    profileRoot,
    env: { ...fx.env.childBase, NODE_ENV: "production" },
  });
}
