import { join } from "node:path";
import type { Cleanup } from "./cleanup.js";
import { freePort, startNodeChild, type NodeChild } from "./child.js";
import type { Fixture } from "./fixture.js";

export interface PipelineChildOptions {
  /** Kafka env (see kafka.ts); without it the projector tails the store (embedded mode). */
  kafka?: Record<string, string> | undefined;
  /** Another database than the fixture's, e.g. a fresh one for a projector fed by Kafka. */
  databaseUrl?: string | undefined;
  profileRoot?: string | undefined;
}

const baseEnv = (fx: Fixture, databaseUrl: string) => ({
  ...fx.env.childBase,
  NODE_ENV: "production",
  LOG_LEVEL: "warn",
  DATABASE_URL: databaseUrl,
  REDIS_URL: fx.redisUrl,
  REDIS_KEY_PREFIX: fx.redisKeyPrefix,
});

/** The projector as production runs it, on the bench's own stores. */
export async function startProjectorChild(fx: Fixture, cleanup: Cleanup, o: PipelineChildOptions = {}): Promise<NodeChild> {
  const port = await freePort();
  const child = await startNodeChild({
    name: o.kafka ? "projector (Kafka)" : "projector",
    entry: "projector/src/main.ts",
    port,
    profileDir: o.profileRoot ? join(o.profileRoot, o.kafka ? "projector-kafka" : "projector") : undefined,
    env: { ...baseEnv(fx, o.databaseUrl ?? fx.databaseUrl), ...o.kafka, PROJECTOR_PORT: String(port) },
  });
  cleanup.add(child.stop);
  return child;
}

/** The relay (store → Kafka), as `npm run relay` runs it. */
export async function startRelayChild(fx: Fixture, cleanup: Cleanup, kafka: Record<string, string>, profileRoot?: string): Promise<NodeChild> {
  const port = await freePort();
  const child = await startNodeChild({
    name: "relay",
    entry: "command-api/src/relay/main.ts",
    port,
    profileDir: profileRoot ? join(profileRoot, "relay") : undefined,
    env: { ...baseEnv(fx, fx.databaseUrl), ...kafka, RELAY_PORT: String(port) },
  });
  cleanup.add(child.stop);
  return child;
}
