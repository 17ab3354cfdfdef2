import { describe, expect, it } from "vitest";
import { TokenVerifier } from "@surge/platform/http/token-verifier";
import { parseBenchArgs } from "./args.js";
import { adminToken, benchSigning, userTokens } from "./tokens.js";

const SECRET = "bench-secret-0123456789abcdef";

describe("bench tokens", () => {
  it("last the whole run and pass the apps' default checks", async () => {
    const signing = benchSigning(SECRET, parseBenchArgs(["--duration", "60"]));
    expect(signing.ttlS).toBe(2 + 60 + 3600);
    const verifier = new TokenVerifier({ key: { alg: "HS256", secret: SECRET }, clockSkewS: 5, maxTtlS: 86_400 });
    const [user] = await userTokens(signing, 1);
    expect(verifier.verify(user!)).toEqual({ id: "bench-u0", role: "user" });
    expect(verifier.verify(await adminToken(signing))).toEqual({ id: "bench-admin", role: "admin" });
  });

  it("carry the issuer and audience given to the apps, and refuse a run longer than their JWT_MAX_TTL_S", async () => {
    const args = parseBenchArgs(["--env", "JWT_ISSUER=bench", "--env", "JWT_AUDIENCE=surge"]);
    const verifier = new TokenVerifier({ key: { alg: "HS256", secret: SECRET }, issuer: "bench", audience: "surge", clockSkewS: 5, maxTtlS: 86_400 });
    expect(verifier.verify(await adminToken(benchSigning(SECRET, args)))).toEqual({ id: "bench-admin", role: "admin" });
    expect(() => benchSigning(SECRET, parseBenchArgs(["--duration", "90000"]))).toThrow("JWT_MAX_TTL_S");
    expect(() => benchSigning(SECRET, parseBenchArgs(["--env", "JWT_MAX_TTL_S=600"]))).toThrow("pass --env JWT_MAX_TTL_S=3622");
  });
});
