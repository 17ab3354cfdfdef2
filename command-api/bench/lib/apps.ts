import { join } from "node:path";
import type { Cleanup } from "./cleanup.js";
import type { BenchArgs } from "./args.js";
import { freePort, startNodeChild, type NodeChild } from "./child.js";
import type { Fixture } from "./fixture.js";

const profileDirFor = (root: string | undefined, name: string) => (root ? join(root, name) : undefined);

export interface Instrumentation {
  profileRoot?: string | undefined;
  /** Where the phase probe writes its JSON report on exit; no probe without it. */
  phasesFile?: string | undefined;
}

/** command-api as production runs it (NODE_ENV=production, quiet logs), on the bench's own stores. */
export async function startCommandApiChild(fx: Fixture, args: BenchArgs, cleanup: Cleanup, inst: Instrumentation = {}): Promise<NodeChild> {
  const port = await freePort();
  const child = await startNodeChild({
    name: "command-api",
    entry: "command-api/src/main.ts",
    port,
    profileDir: profileDirFor(inst.profileRoot, "command-api"),
    ...(inst.phasesFile
      ? { nodeFlags: ["--import", "./command-api/bench/lib/phase-probe.ts"], args: [`--bench-phases-out=${inst.phasesFile}`] }
      : {}),
    env: {
      ...fx.env.childBase,
      NODE_ENV: "production",
      LOG_LEVEL: "warn",
      DATABASE_URL: fx.databaseUrl,
      REDIS_URL: fx.redisUrl,
      REDIS_KEY_PREFIX: fx.redisKeyPrefix,
      JWT_SECRET: fx.jwtSecret,
      COMMAND_API_PORT: String(port),
      // 1,000 users share the load, so at bench rates each exceeds a human's limit: the limiter
      // still runs (its Redis script is part of the cost) but never answers 429.
      RATE_LIMIT_PER_SECOND: "1000000",
      RATE_LIMIT_BURST: "1000000",
      ...args.childEnv,
    },
  });
  cleanup.add(child.stop);
  return child;
}

/** The bare hono route, with the same runtime flags and NODE_ENV as the app it is compared with. */
export async function startBareChild(fx: Fixture, cleanup: Cleanup, profileRoot?: string): Promise<NodeChild> {
  const port = await freePort();
  const child = await startNodeChild({
    name: "bare",
    entry: "command-api/bench/bare-server.ts",
    args: ["--port", String(port)],
    port,
    profileDir: profileDirFor(profileRoot, "bare"),
    env: { ...fx.env.childBase, NODE_ENV: "production" },
  });
  cleanup.add(child.stop);
  return child;
}
