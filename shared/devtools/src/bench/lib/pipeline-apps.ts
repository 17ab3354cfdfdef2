import type { Cleanup } from "./cleanup.js";
import { appEnv, startBenchChild } from "./bench-child.js";
import type { NodeChild } from "./child.js";
import type { Fixture } from "./fixture.js";

export interface PipelineChildOptions {
  /** Kafka env (see kafka.ts); without it the projector tails the store (embedded mode). */
  kafka?: Record<string, string> | undefined;
  /** Another database than the fixture's, e.g. a fresh one for a projector fed by Kafka. */
  databaseUrl?: string | undefined;
  profileRoot?: string | undefined;
  /** Run the built dist as `npm start` does. */
  built?: boolean | undefined;
}

/** The projector as production runs it, on the bench's own stores. */
export function startProjectorChild(fx: Fixture, cleanup: Cleanup, o: PipelineChildOptions = {}): Promise<NodeChild> {
  return startBenchChild(cleanup, {
    name: o.kafka ? "projector (Kafka)" : "projector",
    profileName: o.kafka ? "projector-kafka" : "projector",
    entry: "projector/src/main.ts",
    portVar: "PROJECTOR_PORT",
    profileRoot: o.profileRoot,
    built: o.built,
    env: { ...appEnv(fx, o.databaseUrl), ...o.kafka },
  });
}

/** The relay (store → Kafka), as `npm run relay` runs it. */
export function startRelayChild(fx: Fixture, cleanup: Cleanup, kafka: Record<string, string>, profileRoot?: string): Promise<NodeChild> {
  return startBenchChild(cleanup, {
    name: "relay",
    entry: "command-api/src/relay/main.ts",
    portVar: "RELAY_PORT",
    profileRoot,
    env: { ...appEnv(fx), ...kafka },
  });
}
