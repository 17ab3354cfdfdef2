import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SignJWT, exportJWK, exportSPKI, generateKeyPair, type CryptoKey, type JWK } from "jose";
import { ConfigError } from "../config.js";
import { TokenVerifier, type TokenKey, type TokenVerifierOptions } from "./token-verifier.js";

const SECRET = "unit-test-secret-0123456789";
const nowS = Math.floor(Date.now() / 1000);
const now = nowS * 1000;
const exp = nowS + 60;
const DAY = 86_400;

const b64 = (json: object) => Buffer.from(JSON.stringify(json)).toString("base64url");
const hmac = (input: string, secret = SECRET) => createHmac("sha256", secret).update(input).digest("base64url");
/** An HS256 token over exactly the segments given (so a test can sign a non-canonical spelling). */
const signRaw = (head: string, body: string, secret = SECRET) => `${head}.${body}.${hmac(`${head}.${body}`, secret)}`;
const HEAD = b64({ alg: "HS256", typ: "JWT" });
const hs = (claims: object, secret = SECRET) => signRaw(HEAD, b64(claims), secret);

const options = (over: Partial<TokenVerifierOptions> = {}): TokenVerifierOptions => ({
  key: { alg: "HS256", secret: SECRET },
  clockSkewS: 5,
  maxTtlS: DAY,
  ...over,
});
const verifier = (over: Partial<TokenVerifierOptions> = {}) => new TokenVerifier(options(over));

/** "ok", or the code of the AppError the verification threw or rejected with. */
async function outcome(run: () => unknown): Promise<string> {
  try {
    await run();
    return "ok";
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

describe("TokenVerifier, HS256", () => {
  it("accepts a good token and returns the user, synchronously", () => {
    expect(verifier().verify(hs({ sub: "u1", role: "admin", iat: nowS, exp }), now)).toEqual({ id: "u1", role: "admin" });
  });

  it("refuses a changed payload, another key, alg none and garbage", async () => {
    const token = hs({ sub: "u1", role: "user", exp });
    const [h, , s] = token.split(".");
    const forged = `${h}.${b64({ sub: "u1", role: "admin", exp })}.${s}`;
    const none = `${b64({ alg: "none" })}.${token.split(".")[1]}.`;
    const v = verifier();
    expect(await outcome(() => v.verify(forged, now))).toBe("UNAUTHENTICATED");
    expect(await outcome(() => verifier({ key: { alg: "HS256", secret: "another-secret-0123456789" } }).verify(token, now))).toBe("UNAUTHENTICATED");
    expect(await outcome(() => v.verify(none, now))).toBe("UNAUTHENTICATED");
    expect(await outcome(() => v.verify("a.b", now))).toBe("UNAUTHENTICATED");
    expect(await outcome(() => v.verify("!!.??.**", now))).toBe("UNAUTHENTICATED");
  });

  it("refuses a token without exp or with a bad sub", async () => {
    const v = verifier();
    expect(await outcome(() => v.verify(hs({ sub: "u1", role: "user" }), now))).toBe("UNAUTHENTICATED");
    expect(await outcome(() => v.verify(hs({ sub: "u 1", role: "user", exp }), now))).toBe("UNAUTHENTICATED");
  });

  it("refuses an expired token even after it was cached while valid", async () => {
    const token = hs({ sub: "u1", role: "user", exp });
    const v = verifier();
    expect(await outcome(() => v.verify(token, now))).toBe("ok");
    expect(await outcome(() => v.verify(token, exp * 1000 + 5000))).toBe("UNAUTHENTICATED");
  });

  it("past its limit drops the oldest token only, so a crowd larger than the limit is not verified all over again", async () => {
    const v = verifier({ cacheLimit: 2 });
    const tokens = ["u1", "u2", "u3"].map((sub) => hs({ sub, role: "user", iat: nowS, exp }));
    for (const t of tokens) await v.verify(t, now);
    // Before its iat (beyond the leeway) only a cached token passes: that tells which ones are kept.
    const early = now - 10_000;
    expect([
      await outcome(() => v.verify(tokens[0]!, early)),
      await outcome(() => v.verify(tokens[1]!, early)),
      await outcome(() => v.verify(tokens[2]!, early)),
    ]).toEqual(["UNAUTHENTICATED", "ok", "ok"]);
  });
});

describe("issuer and audience", () => {
  const v = verifier({ issuer: "https://id.example", audience: "surge" });
  const base = { sub: "u1", role: "user", iat: nowS, exp };

  it("accepts the configured iss and an aud that is, or contains, the configured one", async () => {
    expect(await outcome(() => v.verify(hs({ ...base, iss: "https://id.example", aud: "surge" }), now))).toBe("ok");
    expect(await outcome(() => v.verify(hs({ ...base, iss: "https://id.example", aud: ["other", "surge"] }), now))).toBe("ok");
  });

  it("refuses a missing or different iss", async () => {
    expect(await outcome(() => v.verify(hs({ ...base, aud: "surge" }), now))).toBe("UNAUTHENTICATED");
    expect(await outcome(() => v.verify(hs({ ...base, iss: "https://evil.example", aud: "surge" }), now))).toBe("UNAUTHENTICATED");
  });

  it("refuses a missing or different aud", async () => {
    expect(await outcome(() => v.verify(hs({ ...base, iss: "https://id.example" }), now))).toBe("UNAUTHENTICATED");
    expect(await outcome(() => v.verify(hs({ ...base, iss: "https://id.example", aud: ["other", "surge2"] }), now))).toBe("UNAUTHENTICATED");
  });

  it("asks nothing of iss and aud when they are not configured", async () => {
    expect(await outcome(() => verifier().verify(hs({ ...base, iss: "anyone", aud: "anything" }), now))).toBe("ok");
  });
});

describe("clock skew", () => {
  const user = { sub: "u1", role: "user" };

  it("accepts exp, nbf and iat up to the leeway off, and refuses them beyond it", async () => {
    const cases: Array<[string, object, string]> = [
      ["expired 3 s ago", { ...user, exp: nowS - 3 }, "ok"],
      ["expired 6 s ago", { ...user, exp: nowS - 6 }, "UNAUTHENTICATED"],
      ["valid from 3 s on", { ...user, exp, nbf: nowS + 3 }, "ok"],
      ["valid from 6 s on", { ...user, exp, nbf: nowS + 6 }, "UNAUTHENTICATED"],
      ["issued 3 s from now", { ...user, exp, iat: nowS + 3 }, "ok"],
      ["issued 6 s from now", { ...user, exp, iat: nowS + 6 }, "UNAUTHENTICATED"],
    ];
    for (const [what, claims, expected] of cases) expect([what, await outcome(() => verifier().verify(hs(claims), now))]).toEqual([what, expected]);
  });

  it("keeps a cached token only until exp plus the leeway", async () => {
    const token = hs({ ...user, exp });
    const v = verifier();
    await v.verify(token, now);
    expect(await outcome(() => v.verify(token, exp * 1000 + 4000))).toBe("ok");
    expect(await outcome(() => v.verify(token, exp * 1000 + 5000))).toBe("UNAUTHENTICATED");
  });
});

describe("maximum lifetime", () => {
  const user = { sub: "u1", role: "user" };

  it("refuses exp - iat above the maximum", async () => {
    expect(await outcome(() => verifier().verify(hs({ ...user, iat: nowS, exp: nowS + DAY }), now))).toBe("ok");
    expect(await outcome(() => verifier().verify(hs({ ...user, iat: nowS, exp: nowS + DAY + 1 }), now))).toBe("UNAUTHENTICATED");
    expect(await outcome(() => verifier({ maxTtlS: 600 }).verify(hs({ ...user, iat: nowS - 10, exp: nowS + 600 }), now))).toBe("UNAUTHENTICATED");
  });

  it("without iat, refuses exp - now above the maximum (plus the leeway)", async () => {
    expect(await outcome(() => verifier().verify(hs({ ...user, exp: nowS + DAY + 5 }), now))).toBe("ok");
    expect(await outcome(() => verifier().verify(hs({ ...user, exp: nowS + DAY + 6 }), now))).toBe("UNAUTHENTICATED");
    expect(await outcome(() => verifier().verify(hs({ ...user, exp: nowS + 9999 * DAY }), now))).toBe("UNAUTHENTICATED");
  });
});

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
/** The same bytes, spelled with the unused low bits of the last character set. */
const flipUnusedBit = (segment: string) => segment.slice(0, -1) + ALPHABET[ALPHABET.indexOf(segment.at(-1)!) ^ 1];
/** Spellings that Node's lenient decoder reads as the same bytes; the segment's last character must carry unused bits. */
function respellings(segment: string): Array<[string, string]> {
  expect(segment.length % 4).not.toBe(0);
  const variants: Array<[string, string]> = [
    ["padding", `${segment}=`],
    ["changed unused trailing bits", flipUnusedBit(segment)],
    ["a stray character", `${segment.slice(0, 5)}~${segment.slice(5)}`],
  ];
  if (/[-_]/.test(segment)) variants.push(["'+' and '/' for '-' and '_'", segment.replaceAll("-", "+").replaceAll("_", "/")]);
  for (const [what, v] of variants) expect([what, Buffer.from(v, "base64url").equals(Buffer.from(segment, "base64url"))]).toEqual([what, true]);
  return variants;
}

describe("one spelling per token", () => {
  it("refuses every other spelling of a good signature, also once the canonical one is cached", async () => {
    // A signature holding '-' or '_', so the '+'/'/' spelling is tried too.
    const token = Array.from({ length: 200 }, (_, i) => hs({ sub: `u${i}`, role: "user", exp })).find((t) => /[-_]/.test(t.split(".")[2]!))!;
    const [head, body, sig] = token.split(".") as [string, string, string];
    const v = verifier();
    expect(await outcome(() => v.verify(token, now))).toBe("ok");
    const variants = respellings(sig);
    expect(variants).toHaveLength(4);
    for (const [what, spelled] of variants) expect([what, await outcome(() => v.verify(`${head}.${body}.${spelled}`, now))]).toEqual([what, "UNAUTHENTICATED"]);
  });

  it("refuses a header or payload in a non-canonical spelling, even when that spelling is what was signed", async () => {
    // Segments whose last character has unused bits (a length that is no multiple of 4).
    const body = ["", "x", "xx"].map((pad) => b64({ sub: "u1", role: "user", exp, pad })).find((b) => b.length % 4 !== 0)!;
    const head = ["", "x", "xx"].map((kid) => b64({ alg: "HS256", typ: "JWT", kid })).find((h) => h.length % 4 !== 0)!;
    expect(await outcome(() => verifier().verify(signRaw(head, body), now))).toBe("ok");
    for (const [what, spelled] of respellings(body)) {
      expect([what, await outcome(() => verifier().verify(signRaw(head, spelled), now))]).toEqual([what, "UNAUTHENTICATED"]);
    }
    for (const [what, spelled] of respellings(head)) {
      expect([what, await outcome(() => verifier().verify(signRaw(spelled, body), now))]).toEqual([what, "UNAUTHENTICATED"]);
    }
  });
});

type Asymmetric = "ES256" | "EdDSA";
const keys = {} as Record<Asymmetric, { privateKey: CryptoKey; pem: string }>;
let jwks: Server;
let jwksUrl: string;
let jwksRequests = 0;

const signWith = (alg: Asymmetric, claims: Record<string, unknown> = { sub: "u1", role: "user" }) =>
  new SignJWT(claims).setProtectedHeader({ alg, kid: alg }).setIssuedAt(nowS).setExpirationTime(exp).sign(keys[alg].privateKey);

beforeAll(async () => {
  const published: JWK[] = [];
  for (const alg of ["ES256", "EdDSA"] as const) {
    const pair = await generateKeyPair(alg, { extractable: true });
    keys[alg] = { privateKey: pair.privateKey, pem: await exportSPKI(pair.publicKey) };
    published.push({ ...(await exportJWK(pair.publicKey)), kid: alg, alg, use: "sig" });
  }
  jwks = createServer((_req, res) => {
    jwksRequests++;
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: published }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, "127.0.0.1", resolve));
  jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
});

afterAll(() => new Promise<void>((resolve) => jwks.close(() => resolve())));

describe.each(["ES256", "EdDSA"] as const)("%s", (alg) => {
  const sources: Array<[string, () => TokenKey]> = [
    ["a PEM public key", () => ({ alg, publicKeyPem: keys[alg].pem })],
    ["a JWKS served over HTTP", () => ({ alg, jwksUrl })],
  ];

  it.each(sources)("verifies a jose-signed token with %s, then answers from the cache synchronously", async (source, key) => {
    const v = verifier({ key: key() });
    const token = await signWith(alg, { sub: "u1", role: "admin" });
    const fetched = jwksRequests;
    const first = v.verify(token, now);
    expect(first).toBeInstanceOf(Promise);
    expect(await first).toEqual({ id: "u1", role: "admin" });
    expect(jwksRequests - fetched).toBe(source.includes("JWKS") ? 1 : 0);
    expect(v.verify(token, now)).toEqual({ id: "u1", role: "admin" });
  });

  it.each(sources)("with %s, refuses a bad signature, another algorithm and a non-canonical signature", async (_source, key) => {
    const v = verifier({ key: key() });
    const other = alg === "ES256" ? "EdDSA" : "ES256";
    const good = await signWith(alg);
    const [head, body, sig] = good.split(".") as [string, string, string];
    const forged = `${head}.${b64({ sub: "u1", role: "admin", iat: nowS, exp })}.${sig}`;
    expect(await outcome(() => v.verify(forged, now))).toBe("UNAUTHENTICATED");
    expect(await outcome(async () => v.verify(await signWith(other), now))).toBe("UNAUTHENTICATED");
    expect(await outcome(() => v.verify(hs({ sub: "u1", role: "user", iat: nowS, exp }), now))).toBe("UNAUTHENTICATED");
    for (const [what, spelled] of respellings(sig)) {
      expect([what, await outcome(() => v.verify(`${head}.${body}.${spelled}`, now))]).toEqual([what, "UNAUTHENTICATED"]);
    }
    expect(await outcome(() => v.verify(good, now))).toBe("ok");
  });

  it("applies the same claim rules as HS256 (issuer, lifetime)", async () => {
    const v = verifier({ key: { alg, publicKeyPem: keys[alg].pem }, issuer: "https://id.example" });
    expect(await outcome(async () => v.verify(await signWith(alg, { sub: "u1", role: "user" }), now))).toBe("UNAUTHENTICATED");
    expect(await outcome(async () => v.verify(await signWith(alg, { sub: "u1", role: "user", iss: "https://id.example" }), now))).toBe("ok");
    const long = await new SignJWT({ sub: "u1", role: "user", iss: "https://id.example" })
      .setProtectedHeader({ alg })
      .setIssuedAt(nowS)
      .setExpirationTime(nowS + DAY + 1)
      .sign(keys[alg].privateKey);
    expect(await outcome(() => v.verify(long, now))).toBe("UNAUTHENTICATED");
  });
});

describe("no algorithm confusion", () => {
  it("refuses an HS256 token signed with the configured public key's text", async () => {
    const pem = keys.ES256.pem;
    const confused = hs({ sub: "u1", role: "admin", iat: nowS, exp }, pem);
    expect(await outcome(() => verifier({ key: { alg: "ES256", publicKeyPem: pem } }).verify(confused, now))).toBe("UNAUTHENTICATED");
    expect(await outcome(() => verifier({ key: { alg: "ES256", jwksUrl } }).verify(confused, now))).toBe("UNAUTHENTICATED");
  });

  it("refuses ES256 and EdDSA tokens when configured for HS256", async () => {
    for (const alg of ["ES256", "EdDSA"] as const)
      expect([alg, await outcome(async () => verifier().verify(await signWith(alg), now))]).toEqual([alg, "UNAUTHENTICATED"]);
  });

  it("refuses to start with a PEM that does not fit the algorithm, or is no key", () => {
    expect(() => verifier({ key: { alg: "ES256", publicKeyPem: keys.EdDSA.pem } })).toThrow(ConfigError);
    expect(() => verifier({ key: { alg: "EdDSA", publicKeyPem: keys.ES256.pem } })).toThrow(ConfigError);
    expect(() => verifier({ key: { alg: "ES256", publicKeyPem: "not a key" } })).toThrow(ConfigError);
  });
});

describe("a JWKS that cannot be fetched", () => {
  it("answers 503 UNAVAILABLE (the issuer's side), not 401", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const v = verifier({ key: { alg: "ES256", jwksUrl: `http://127.0.0.1:${port}/jwks.json` } });
    expect(await outcome(async () => v.verify(await signWith("ES256"), now))).toBe("UNAVAILABLE");
  });
});
