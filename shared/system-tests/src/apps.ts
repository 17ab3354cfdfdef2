import { afterAll, beforeAll } from "vitest";
import { readEnv as commandEnv } from "@surge/command-api/env";
import { startCommandApi } from "@surge/command-api/start";
import { readEnv as projectorEnv } from "@surge/projector/env";
import { startProjector } from "@surge/projector/start";
import { createTestContext, type TestContext } from "@surge/testkit/context";
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

/**
 * The file's own test context and the three apps, started before its tests and stopped after
 * them. The objects are filled in by beforeAll: read them inside tests and hooks only.
 */
export function useApps(overrides: Record<string, string> = {}): { ctx: TestContext; apps: Apps } {
  const ctx = {} as TestContext;
  const apps = {} as Apps;
  let opened: TestContext | undefined;
  let started: Apps | undefined;
  beforeAll(async () => {
    opened = await createTestContext();
    Object.assign(ctx, opened);
    started = await startApps(opened, overrides);
    Object.assign(apps, started);
  });
  afterAll(async () => {
    await started?.stop();
    await opened?.close();
  });
  return { ctx, apps };
}
