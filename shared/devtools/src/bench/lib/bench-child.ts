import { join } from "node:path";
import type { Cleanup } from "./cleanup.js";
import { freePort, startNodeChild, type NodeChild } from "./child.js";
import type { Fixture } from "./fixture.js";

/** What every Surge app under test gets: production mode, quiet logs, the bench's own stores. */
export const appEnv = (fx: Fixture, databaseUrl = fx.databaseUrl): Record<string, string> => ({
  ...fx.env.childBase,
  NODE_ENV: "production",
  LOG_LEVEL: "warn",
  DATABASE_URL: databaseUrl,
  REDIS_URL: fx.redisUrl,
  REDIS_KEY_PREFIX: fx.redisKeyPrefix,
  JWT_SECRET: fx.jwtSecret,
  // Production refuses the published default; the bench's card payments never call back.
  PG_WEBHOOK_SECRET: `${fx.jwtSecret}-webhook`,
  IDEMPOTENCY_SECRET: `${fx.jwtSecret}-idempotency`,
});

export interface BenchChildOptions {
  name: string;
  /** Entry file relative to the repo root. */
  entry: string;
  /** The env variable the app reads its port from; without it the port is passed as `--port` (bare servers). */
  portVar?: string;
  env: Record<string, string>;
  /** With --profile: the child writes its CPU profile into `<profileRoot>/<profileName>`. */
  profileRoot?: string | undefined;
  profileName?: string;
  args?: string[];
  nodeFlags?: string[];
  /** Run the app's built dist, as `npm start` does (see NodeChildOptions.built). */
  built?: boolean | undefined;
}

/** A child on a free port, stopped by the bench's cleanup however the bench ends. */
export async function startBenchChild(cleanup: Cleanup, o: BenchChildOptions): Promise<NodeChild> {
  const port = await freePort();
  const child = await startNodeChild({
    name: o.name,
    entry: o.entry,
    port,
    args: [...(o.portVar ? [] : ["--port", String(port)]), ...(o.args ?? [])],
    env: o.portVar ? { ...o.env, [o.portVar]: String(port) } : o.env,
    profileDir: o.profileRoot ? join(o.profileRoot, o.profileName ?? o.name) : undefined,
    ...(o.nodeFlags ? { nodeFlags: o.nodeFlags } : {}),
    ...(o.built ? { built: true } : {}),
  });
  cleanup.add(child.stop);
  return child;
}
