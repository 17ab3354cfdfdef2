import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DEV_JWT_SECRET } from "@surge/platform/config";
import { DEV_PG_WEBHOOK_SECRET } from "@surge/areas/payments/signature";
import { readEnv as commandApiEnv } from "@surge/command-api/env";
import { readEnv as queryApiEnv } from "@surge/query-api/env";
import { readEnv as projectorEnv } from "@surge/projector/env";
import { readEnv as batchEnv } from "@surge/batch/env";

const root = fileURLToPath(new URL("../../../..", import.meta.url));
const own = { JWT_SECRET: "a-secret-of-our-own-0123456789", PG_WEBHOOK_SECRET: "another-secret-of-ours-0123456789" };
const apps = { "command-api": commandApiEnv, "query-api": queryApiEnv, projector: projectorEnv, batch: batchEnv };

describe.each(Object.entries(apps))("%s in production", (_app, readEnv) => {
  it.each([
    ["JWT_SECRET", "unset", { PG_WEBHOOK_SECRET: own.PG_WEBHOOK_SECRET }],
    ["JWT_SECRET", "the published development default", { ...own, JWT_SECRET: DEV_JWT_SECRET }],
    ["PG_WEBHOOK_SECRET", "unset", { JWT_SECRET: own.JWT_SECRET }],
    ["PG_WEBHOOK_SECRET", "the published development default", { ...own, PG_WEBHOOK_SECRET: DEV_PG_WEBHOOK_SECRET }],
  ])("refuses %s when it is %s", (name, why, secrets) => {
    const env = { NODE_ENV: "production", JWT_SECRET: undefined, PG_WEBHOOK_SECRET: undefined, ...secrets };
    expect(() => readEnv(env)).toThrow(`${name} must be set to a secret of your own when NODE_ENV=production (it is ${why})`);
  });

  it("starts with secrets of its own, and with the defaults outside production", () => {
    expect(() => readEnv({ NODE_ENV: "production", ...own })).not.toThrow();
    expect(() => readEnv({ NODE_ENV: "development", JWT_SECRET: undefined, PG_WEBHOOK_SECRET: undefined })).not.toThrow();
  });
});

describe("a production process with a development secret", () => {
  it("exits 1 with one line naming the variable, before it touches MySQL or Redis", () => {
    const run = spawnSync(process.execPath, ["--conditions=source", "--import", "tsx", "command-api/src/main.ts"], {
      cwd: root,
      env: { PATH: process.env.PATH, NODE_ENV: "production", PG_WEBHOOK_SECRET: own.PG_WEBHOOK_SECRET, DATABASE_URL: "mysql://root@127.0.0.1:1/none" },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split("\n")).toEqual(["JWT_SECRET must be set to a secret of your own when NODE_ENV=production (it is unset)"]);
  });
});
