import { join } from "node:path";
import type { Cleanup } from "./cleanup.js";
import { freePort, startNodeChild, type NodeChild } from "./child.js";
import type { BenchArgs } from "./args.js";
import type { Fixture } from "./fixture.js";

/** query-api as production runs it (NODE_ENV=production, quiet logs), on the bench's own stores. */
export async function startQueryApiChild(fx: Fixture, args: BenchArgs, cleanup: Cleanup, profileRoot?: string): Promise<NodeChild> {
  const port = await freePort();
  const child = await startNodeChild({
    name: "query-api",
    entry: "query-api/src/main.ts",
    port,
    profileDir: profileRoot ? join(profileRoot, "query-api") : undefined,
    env: {
      ...fx.env.childBase,
      NODE_ENV: "production",
      LOG_LEVEL: "warn",
      DATABASE_URL: fx.databaseUrl,
      REDIS_URL: fx.redisUrl,
      REDIS_KEY_PREFIX: fx.redisKeyPrefix,
      JWT_SECRET: fx.jwtSecret,
      QUERY_API_PORT: String(port),
      ...args.childEnv,
    },
  });
  cleanup.add(child.stop);
  return child;
}

/** The bare GET with a ranking-shaped body, with the same runtime flags and NODE_ENV as query-api. */
export async function startBareRankingsChild(fx: Fixture, cleanup: Cleanup, profileRoot?: string): Promise<NodeChild> {
  const port = await freePort();
  const child = await startNodeChild({
    name: "bare",
    entry: "command-api/bench/bare-rankings-server.ts",
    args: ["--port", String(port)],
    port,
    profileDir: profileRoot ? join(profileRoot, "bare") : undefined,
    env: { ...fx.env.childBase, NODE_ENV: "production" },
  });
  cleanup.add(child.stop);
  return child;
}
