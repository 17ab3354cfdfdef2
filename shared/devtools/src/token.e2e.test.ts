import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const token = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ["--conditions=source", "--import", "tsx", "shared/devtools/src/token.ts", ...args], {
    cwd: root,
    env: { PATH: process.env.PATH, ...env },
    encoding: "utf8",
    timeout: 30_000,
  });

describe("npm run token", () => {
  it("refuses a --ttl longer than the apps accept, saying so", () => {
    const run = token(["--sub", "u1", "--ttl", "2d"]);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr.trim()).toBe("--ttl 2d (172800 s) is longer than the 86400 s the apps accept (JWT_MAX_TTL_S)");
    expect(token(["--sub", "u1", "--ttl", "2h"], { JWT_MAX_TTL_S: "3600" }).status).toBe(2);
  });

  it("signs iat, and iss and aud when they are configured", () => {
    const run = token(["--sub", "u1", "--ttl", "24h"], { JWT_ISSUER: "surge-dev", JWT_AUDIENCE: "surge" });
    expect(run.status).toBe(0);
    const claims = JSON.parse(Buffer.from(run.stdout.trim().split(".")[1]!, "base64url").toString("utf8")) as Record<string, number | string>;
    expect(claims).toMatchObject({ sub: "u1", role: "user", iss: "surge-dev", aud: "surge" });
    expect(Number(claims.exp) - Number(claims.iat)).toBe(86_400);
  });

  it("signs nothing when the apps verify ES256 or EdDSA tokens from another issuer", () => {
    const run = token(["--sub", "u1"], { JWT_ALG: "ES256", JWT_JWKS_URL: "https://id.example/jwks.json" });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("JWT_ALG=ES256");
  });
});
