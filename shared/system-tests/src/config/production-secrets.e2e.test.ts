import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DEV_JWT_SECRET } from "@surge/platform/config";
import { DEV_PG_WEBHOOK_SECRET } from "@surge/areas/payments/signature";
import { DEV_IDEMPOTENCY_SECRET, readEnv as commandApiEnv } from "@surge/command-api/env";
import { readEnv as queryApiEnv } from "@surge/query-api/env";
import { readEnv as projectorEnv } from "@surge/projector/env";
import { readEnv as batchEnv } from "@surge/batch/env";

const root = fileURLToPath(new URL("../../../..", import.meta.url));
const own = {
  JWT_SECRET: "a-secret-of-our-own-0123456789",
  PG_WEBHOOK_SECRET: "another-secret-of-ours-0123456789",
  IDEMPOTENCY_SECRET: "a-third-secret-of-ours-0123456789",
};
const apps = { "command-api": commandApiEnv, "query-api": queryApiEnv, projector: projectorEnv, batch: batchEnv };

describe.each(Object.entries(apps))("%s in production", (_app, readEnv) => {
  it.each([
    ["JWT_SECRET", "unset", { PG_WEBHOOK_SECRET: own.PG_WEBHOOK_SECRET }],
    ["JWT_SECRET", "the published development default", { ...own, JWT_SECRET: DEV_JWT_SECRET }],
    ["PG_WEBHOOK_SECRET", "unset", { JWT_SECRET: own.JWT_SECRET }],
    ["PG_WEBHOOK_SECRET", "the published development default", { ...own, PG_WEBHOOK_SECRET: DEV_PG_WEBHOOK_SECRET }],
  ])("refuses %s when it is %s", (name, why, secrets) => {
    const env = { NODE_ENV: "production", JWT_SECRET: undefined, PG_WEBHOOK_SECRET: undefined, IDEMPOTENCY_SECRET: own.IDEMPOTENCY_SECRET, ...secrets };
    expect(() => readEnv(env)).toThrow(`${name} must be set to a secret of your own when NODE_ENV=production (it is ${why})`);
  });

  it("starts with secrets of its own, and with the defaults outside production", () => {
    expect(() => readEnv({ NODE_ENV: "production", ...own })).not.toThrow();
    expect(() => readEnv({ NODE_ENV: "development", JWT_SECRET: undefined, PG_WEBHOOK_SECRET: undefined })).not.toThrow();
  });
});

describe("command-api in production", () => {
  // It alone fingerprints request bodies, which may hold a card number (see KeyedRequest).
  it.each([
    ["unset", { ...own, IDEMPOTENCY_SECRET: undefined }],
    ["the published development default", { ...own, IDEMPOTENCY_SECRET: DEV_IDEMPOTENCY_SECRET }],
  ])("refuses IDEMPOTENCY_SECRET when it is %s", (why, secrets) => {
    expect(() => commandApiEnv({ NODE_ENV: "production", ...secrets })).toThrow(
      `IDEMPOTENCY_SECRET must be set to a secret of your own when NODE_ENV=production (it is ${why})`,
    );
  });

  it("uses its development default outside production", () => {
    expect(commandApiEnv({ NODE_ENV: "development", IDEMPOTENCY_SECRET: undefined }).IDEMPOTENCY_SECRET).toBe(DEV_IDEMPOTENCY_SECRET);
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
