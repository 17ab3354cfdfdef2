import { readEnv as commandEnv } from "@surge/command-api/env";
import { startCommandApi } from "@surge/command-api/start";
import { readEnv as projectorEnv } from "@surge/projector/env";
import { startProjector } from "@surge/projector/start";
import { createTestContext, type TestContext } from "@surge/testkit/context";
import { useStarted } from "@surge/testkit/fixture";
import { readEnv } from "@surge/query-api/env";
import { startQueryApi } from "@surge/query-api/start";

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

/** The file's own test context and the three apps on it, for the whole file (see useStarted). */
export const useApps = (overrides: Record<string, string> = {}) =>
  useStarted(["ctx", "apps"], async (atEnd) => {
    const ctx = await createTestContext();
    atEnd(() => ctx.close());
    const apps = await startApps(ctx, overrides);
    atEnd(() => apps.stop());
    return { ctx, apps };
  });
