import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../../..", import.meta.url));

describe("an HTTP app with a JWT setting that cannot work", () => {
  it.each([
    ["query-api", { JWT_ALG: "ES256" }, "JWT_ALG=ES256 needs exactly one of JWT_PUBLIC_KEY and JWT_JWKS_URL"],
    ["command-api", { JWT_ALG: "EdDSA", JWT_PUBLIC_KEY: "not a key" }, "JWT_PUBLIC_KEY is not a PEM public key (SPKI, -----BEGIN PUBLIC KEY-----)"],
  ])("%s exits 1 with one line naming it, before it touches MySQL or Redis", (app, jwt, line) => {
    const run = spawnSync(process.execPath, ["--conditions=source", "--import", "tsx", `${app}/src/main.ts`], {
      cwd: root,
      env: { PATH: process.env.PATH, ...jwt, DATABASE_URL: "mysql://root@127.0.0.1:1/none", REDIS_URL: "redis://127.0.0.1:1" },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split("\n")).toEqual([line]);
  });
});
