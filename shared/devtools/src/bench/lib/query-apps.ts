import type { Cleanup } from "./cleanup.js";
import type { BenchArgs } from "./args.js";
import { appEnv, startBenchChild } from "./bench-child.js";
import type { NodeChild } from "./child.js";
import type { Fixture } from "./fixture.js";

/** query-api as production runs it (NODE_ENV=production, quiet logs), on the bench's own stores. */
export function startQueryApiChild(fx: Fixture, args: BenchArgs, cleanup: Cleanup, profileRoot?: string, built = false): Promise<NodeChild> {
  return startBenchChild(cleanup, {
    name: "query-api",
    entry: "query-api/src/main.ts",
    portVar: "QUERY_API_PORT",
    profileRoot,
    built,
    // The whole load comes from one address: the limiter still runs (its Redis call is part of the cost) but never answers 429.
    env: {
      ...appEnv(fx),
      PUBLIC_RATE_LIMIT_PER_SECOND: "1000000",
      PUBLIC_RATE_LIMIT_BURST: "1000000",
      QUERY_RATE_LIMIT_PER_SECOND: "1000000",
      QUERY_RATE_LIMIT_BURST: "1000000",
      ...args.childEnv,
    },
  });
}

/** The bare GET with a ranking-shaped body, with the same runtime flags and NODE_ENV as query-api. */
export function startBareRankingsChild(fx: Fixture, cleanup: Cleanup, profileRoot?: string): Promise<NodeChild> {
  return startBenchChild(cleanup, {
    name: "bare",
    entry: "shared/devtools/src/bench/bare-rankings-server.ts",
    profileRoot,
    env: { ...fx.env.childBase, NODE_ENV: "production" },
  });
}
