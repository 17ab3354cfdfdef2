import { describe, expect, it } from "vitest";
import { SignJWT, exportSPKI, generateKeyPair } from "jose";
import { ConfigError, DEV_JWT_SECRET, jwtEnvSchema, jwtVerifierOptions } from "../config.js";
import { createLogger } from "../logging.js";
import { createBaseApp } from "./app.js";
import { requireAuth, signToken } from "./auth.js";
import { createMetrics } from "./metrics.js";
import { TokenVerifier, type TokenVerifierOptions } from "./token-verifier.js";

const SECRET = "unit-test-secret-0123456789";
const rules = { clockSkewS: 5, maxTtlS: 3600 };
const claims = (token: string) => JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8")) as Record<string, unknown>;

function appWith(options: TokenVerifierOptions) {
  const app = createBaseApp({ title: "t", logger: createLogger("t", "silent", false), metrics: createMetrics("t"), dependencies: [] });
  const verifier = new TokenVerifier(options);
  app.use("/me", requireAuth(verifier));
  app.use("/admin/*", requireAuth(verifier, "admin"));
  app.get("/me", (c) => c.json(c.get("user")));
  app.get("/admin/x", (c) => c.json(c.get("user")));
  return (path: string, token?: string) => app.request(path, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
}

describe("signToken", () => {
  it("issues now (iat), with iss and aud when given, and passes a verifier that asks for them", async () => {
    const before = Math.floor(Date.now() / 1000);
    const token = await signToken({ id: "u1", role: "user" }, { secret: SECRET, issuer: "surge-dev", audience: "surge" }, 600);
    const c = claims(token);
    expect(c).toMatchObject({ sub: "u1", role: "user", iss: "surge-dev", aud: "surge" });
    expect(c.iat).toBeGreaterThanOrEqual(before);
    expect(c.exp).toBe((c.iat as number) + 600);
    const verifier = new TokenVerifier({ key: { alg: "HS256", secret: SECRET }, issuer: "surge-dev", audience: "surge", ...rules });
    expect(verifier.verify(token)).toEqual({ id: "u1", role: "user" });
    expect(claims(await signToken({ id: "u1", role: "user" }, SECRET, 60))).not.toHaveProperty("iss");
  });
});

describe("requireAuth", () => {
  it("lets a good HS256 token through and refuses a missing, over-long or admin-less one", async () => {
    const call = appWith({ key: { alg: "HS256", secret: SECRET }, ...rules });
    const user = await signToken({ id: "u1", role: "user" }, SECRET, 60);
    const res = await call("/me", user);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: "u1", role: "user" });
    expect((await call("/me")).status).toBe(401);
    const tooLong = await call("/me", await signToken({ id: "u1", role: "user" }, SECRET, 3601));
    expect(tooLong.status).toBe(401);
    expect(tooLong.headers.get("content-type")).toContain("application/problem+json");
    expect((await call("/admin/x", user)).status).toBe(403);
  });

  it("waits for an ES256 verification, and refuses an HS256 token there", async () => {
    const { publicKey, privateKey } = await generateKeyPair("ES256");
    const call = appWith({ key: { alg: "ES256", publicKeyPem: await exportSPKI(publicKey) }, ...rules });
    const admin = await new SignJWT({ sub: "a1", role: "admin" }).setProtectedHeader({ alg: "ES256" }).setIssuedAt().setExpirationTime("10m").sign(privateKey);
    const res = await call("/admin/x", admin);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: "a1", role: "admin" });
    expect((await call("/admin/x", admin)).status).toBe(200);
    expect((await call("/me", await signToken({ id: "u1", role: "user" }, SECRET, 60))).status).toBe(401);
  });
});

describe("jwtVerifierOptions", () => {
  const env = (over: Record<string, string> = {}) => jwtEnvSchema.parse(over);

  it("defaults to HS256 with JWT_SECRET, 5 s of leeway and a day's lifetime", () => {
    expect(jwtVerifierOptions(env())).toEqual({
      key: { alg: "HS256", secret: DEV_JWT_SECRET },
      issuer: undefined,
      audience: undefined,
      clockSkewS: 5,
      maxTtlS: 86_400,
    });
    expect(jwtVerifierOptions(env({ JWT_ISSUER: "i", JWT_AUDIENCE: "a", JWT_CLOCK_SKEW_S: "2", JWT_MAX_TTL_S: "600" }))).toMatchObject({
      issuer: "i",
      audience: "a",
      clockSkewS: 2,
      maxTtlS: 600,
    });
  });

  it("takes ES256 or EdDSA with exactly one of a PEM and a JWKS URL, and nothing contradictory", () => {
    const pem = "-----BEGIN PUBLIC KEY-----\\nAAAA\\n-----END PUBLIC KEY-----";
    expect(jwtVerifierOptions(env({ JWT_ALG: "ES256", JWT_PUBLIC_KEY: pem })).key).toEqual({ alg: "ES256", publicKeyPem: pem.replaceAll("\\n", "\n") });
    expect(jwtVerifierOptions(env({ JWT_ALG: "EdDSA", JWT_JWKS_URL: "https://id.example/jwks.json" })).key).toEqual({
      alg: "EdDSA",
      jwksUrl: "https://id.example/jwks.json",
    });
    expect(() => jwtVerifierOptions(env({ JWT_PUBLIC_KEY: pem }))).toThrow(ConfigError);
    expect(() => jwtVerifierOptions(env({ JWT_ALG: "ES256" }))).toThrow(ConfigError);
    expect(() => jwtVerifierOptions(env({ JWT_ALG: "ES256", JWT_PUBLIC_KEY: pem, JWT_JWKS_URL: "https://id.example/jwks.json" }))).toThrow(ConfigError);
  });
});
