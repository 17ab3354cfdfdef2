import { readEnv as commandEnv, startCommandApi } from "@surge/command-api";
import { readEnv as projectorEnv, startProjector } from "@surge/projector";
import type { TestContext } from "@surge/shared/testing";
import { readEnv } from "../env.js";
import { startQueryApi } from "../start.js";

export interface Apps {
  command: string;
  query: string;
  stop: () => Promise<void>;
}

/** The real command-api, projector and query-api, each through its composition root, on free ports. */
export async function startApps(ctx: TestContext, overrides: Record<string, string> = {}): Promise<Apps> {
  const env = { ...ctx.appEnv, ...overrides };
  const command = await startCommandApi(commandEnv({ ...env, COMMAND_API_PORT: "0" }));
  const projector = await startProjector(projectorEnv({ ...env, PROJECTOR_PORT: "0" }));
  const query = await startQueryApi(readEnv({ ...env, QUERY_API_PORT: "0" }));
  return {
    command: command.url,
    query: query.url,
    stop: async () => {
      await query.stop();
      await projector.stop();
      await command.stop();
    },
  };
}
