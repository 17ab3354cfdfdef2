import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL("..", import.meta.url));
const pkg = (name: string) => ({
  extends: true as const,
  test: { name, include: [`${name}/src/**/*.test.ts`, `${name}/test/**/*.test.ts`] },
});

/** The one test config: every package is a project, each test file owns its database and Redis prefix. */
export default defineConfig({
  root,
  resolve: {
    alias: [
      { find: /^@surge\/shared\/testing$/, replacement: `${root}shared/src/testing/index.ts` },
      { find: /^@surge\/([a-z-]+)$/, replacement: `${root}$1/src/index.ts` },
    ],
  },
  test: {
    globalSetup: [`${root}shared/src/testing/global-setup.ts`],
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: ["shared", "command-api", "projector", "query-api", "batch"].map(pkg),
  },
});
