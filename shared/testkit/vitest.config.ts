import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL("../..", import.meta.url));
const project = (name: string, dir: string) => ({
  extends: true as const,
  test: { name, include: [`${dir}/src/**/*.test.ts`, `${dir}/test/**/*.test.ts`] },
});

/** The one test config: every package is a project, each test file owns its database and Redis prefix. */
export default defineConfig({
  root,
  resolve: {
    // Workspace packages resolve to their TypeScript sources, as the "source" export condition does for tsc and tsx.
    alias: [
      { find: /^@surge\/(platform|areas|testkit|devtools|system-tests)\/(.+)$/, replacement: `${root}shared/$1/src/$2.ts` },
      { find: /^@surge\/(command-api|projector|query-api|batch)\/(.+)$/, replacement: `${root}$1/src/$2.ts` },
    ],
  },
  test: {
    globalSetup: [`${root}shared/testkit/src/global-setup.ts`],
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      project("platform", "shared/platform"),
      project("areas", "shared/areas"),
      project("devtools", "shared/devtools"),
      project("system-tests", "shared/system-tests"),
      ...["command-api", "projector", "query-api", "batch"].map((app) => project(app, app)),
    ],
  },
});
