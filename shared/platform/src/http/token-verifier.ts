import { createHmac, createPublicKey, createSecretKey, timingSafeEqual, type KeyObject } from "node:crypto";
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from "jose";
import { z } from "zod";
import { userIdPattern } from "../ids.js";
import { AppError, unavailable } from "../errors.js";
import { ConfigError } from "../config.js";

export type Role = "user" | "admin";
export interface AuthUser {
  id: string;
  role: Role;
}

export type TokenAlgorithm = "HS256" | "ES256" | "EdDSA";
export type AsymmetricAlgorithm = Exclude<TokenAlgorithm, "HS256">;

/** Where a token's signature is checked: a shared secret, or the issuer's public key (a PEM, or its JWKS). */
export type TokenKey = { alg: "HS256"; secret: string } | { alg: AsymmetricAlgorithm; publicKeyPem: string } | { alg: AsymmetricAlgorithm; jwksUrl: string };

export interface TokenVerifierOptions {
  key: TokenKey;
  /** When set, a token must carry exactly this `iss`. */
  issuer?: string | undefined;
  /** When set, a token's `aud` must be, or contain, this value. */
  audience?: string | undefined;
  /** Leeway for clocks that disagree a little, on `exp`, `nbf` and `iat`. */
  clockSkewS: number;
  /** The longest lifetime accepted: `exp - iat`, or `exp - now` for a token without `iat`. */
  maxTtlS: number;
  /** Verified tokens kept (default CACHE_LIMIT); past it the oldest goes first. */
  cacheLimit?: number;
}

const claimsSchema = z.object({
  sub: z.string().regex(userIdPattern),
  role: z.enum(["user", "admin"]),
  exp: z.number().int(),
  nbf: z.number().optional(),
  iat: z.number().optional(),
  iss: z.string().optional(),
  aud: z.union([z.string(), z.array(z.string())]).optional(),
});

const invalid = () => new AppError("UNAUTHENTICATED", "The token is invalid or expired.");
/**
 * A drop's crowd: with fewer entries than users taking turns, every request would verify its token
 * again (a cyclic walk evicts each entry just before its reuse). About 350 bytes an entry.
 */
const CACHE_LIMIT = 200_000;

/**
 * The bytes of a base64url segment, accepted only in its one canonical spelling. Node's decoder
 * ignores `=` padding, `+`/`/`, other stray characters and the unused bits of the last character,
 * so without this one token has many spellings that all verify: each would take its own cache
 * entry, and a list keyed by token string could be walked around.
 */
function canonicalBytes(segment: string): Buffer {
  const bytes = Buffer.from(segment, "base64url");
  if (bytes.toString("base64url") !== segment) throw invalid();
  return bytes;
}

function decodeJson(segment: string): unknown {
  const bytes = canonicalBytes(segment);
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch {
    throw invalid();
  }
}

/** Token faults jose reports; with a JWKS, anything else (the key set unreachable, unreadable) is the issuer's side. */
const tokenFaults = new Set([
  joseErrors.JWSInvalid.code,
  joseErrors.JWTInvalid.code,
  joseErrors.JWSSignatureVerificationFailed.code,
  joseErrors.JWTClaimValidationFailed.code,
  joseErrors.JWTExpired.code,
  joseErrors.JOSEAlgNotAllowed.code,
  joseErrors.JOSENotSupported.code,
  joseErrors.JWKSNoMatchingKey.code,
  joseErrors.JWKSMultipleMatchingKeys.code,
]);

function publicKeyFor(alg: AsymmetricAlgorithm, pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new ConfigError("JWT_PUBLIC_KEY is not a PEM public key (SPKI, -----BEGIN PUBLIC KEY-----)");
  }
  const fits = alg === "ES256" ? key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1" : key.asymmetricKeyType === "ed25519";
  if (!fits) throw new ConfigError(`JWT_PUBLIC_KEY is not ${alg === "ES256" ? "an EC P-256" : "an Ed25519"} key, as JWT_ALG=${alg} needs`);
  return key;
}

/**
 * Verifies bearer tokens and keeps those it verified (bounded, each until its exp plus the
 * leeway). HS256 runs on node:crypto with the key imported once, synchronously: WebCrypto
 * verifiers re-import the key and hop to the thread pool on every call, a fifth of a claim's CPU
 * at peak. ES256 and EdDSA go through jose (a PEM key or a JWKS URL) and answer a promise; cache
 * hits answer at once whatever the algorithm.
 */
export class TokenVerifier {
  private readonly verified = new Map<string, { user: AuthUser; untilMs: number }>();
  private readonly alg: TokenAlgorithm;
  private readonly hmacKey: KeyObject | undefined;
  private readonly pemKey: KeyObject | undefined;
  private readonly jwks: JWTVerifyGetKey | undefined;
  private readonly skewMs: number;
  /** The last header seen to be canonical and of the configured alg: every token of one issuer shares it. */
  private knownHead = "";

  constructor(private readonly options: TokenVerifierOptions) {
    const { key } = options;
    this.alg = key.alg;
    this.skewMs = options.clockSkewS * 1000;
    if (key.alg === "HS256") this.hmacKey = createSecretKey(Buffer.from(key.secret, "utf8"));
    else if ("publicKeyPem" in key) this.pemKey = publicKeyFor(key.alg, key.publicKeyPem);
    else this.jwks = createRemoteJWKSet(new URL(key.jwksUrl));
  }

  verify(token: string, now = Date.now()): AuthUser | Promise<AuthUser> {
    const hit = this.verified.get(token);
    if (hit && hit.untilMs > now) return hit.user;
    const parts = token.split(".");
    if (parts.length !== 3) throw invalid();
    const [head, body, sig] = parts as [string, string, string];
    if (head !== this.knownHead) {
      const header = decodeJson(head) as { alg?: unknown } | null;
      // The configured algorithm only: no `none`, and no HS256 token "signed" with a public key's text.
      if (header?.alg !== this.alg) throw invalid();
      this.knownHead = head;
    }
    if (!this.hmacKey) return this.verifyAsymmetric(token, body, sig, now);
    const expected = createHmac("sha256", this.hmacKey).update(`${head}.${body}`).digest();
    const given = canonicalBytes(sig);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
    return this.accept(token, decodeJson(body), now);
  }

  private async verifyAsymmetric(token: string, body: string, sig: string, now: number): Promise<AuthUser> {
    canonicalBytes(sig);
    const claims = decodeJson(body);
    try {
      // jose checks the signature (and, with the same leeway, exp and nbf); every claim rule is ours, below.
      const options = { algorithms: [this.alg], clockTolerance: this.options.clockSkewS, currentDate: new Date(now) };
      await (this.jwks ? jwtVerify(token, this.jwks, options) : jwtVerify(token, this.pemKey!, options));
    } catch (err) {
      // With a PEM every failure is the token's; with a JWKS, one that is not may be the key set out of reach.
      if (!this.jwks || (err instanceof joseErrors.JOSEError && tokenFaults.has(err.code))) throw invalid();
      throw unavailable("The token issuer's keys (JWT_JWKS_URL) cannot be read right now.", err);
    }
    return this.accept(token, claims, now);
  }

  /** The claim rules, the same for every algorithm; called once the signature is known good. */
  private accept(token: string, payload: unknown, now: number): AuthUser {
    const parsed = claimsSchema.safeParse(payload);
    if (!parsed.success) throw new AppError("UNAUTHENTICATED", "The token lacks a valid sub, role or exp claim.");
    const { sub, role, exp, nbf, iat, iss, aud } = parsed.data;
    const { issuer, audience, maxTtlS } = this.options;
    const skew = this.skewMs;
    if (exp * 1000 + skew <= now || (nbf !== undefined && nbf * 1000 - skew > now) || (iat !== undefined && iat * 1000 - skew > now)) throw invalid();
    if (iat !== undefined ? exp - iat > maxTtlS : exp * 1000 - now > maxTtlS * 1000 + skew) {
      throw new AppError("UNAUTHENTICATED", `The token lives longer than the ${maxTtlS} s this service accepts.`);
    }
    if (issuer !== undefined && iss !== issuer) throw new AppError("UNAUTHENTICATED", "The token is not from the expected issuer.");
    if (audience !== undefined && !(Array.isArray(aud) ? aud.includes(audience) : aud === audience)) {
      throw new AppError("UNAUTHENTICATED", "The token is not meant for this service.");
    }
    const user = { id: sub, role };
    // The oldest entry goes (a Map iterates in insertion order): clearing all would make every
    // user of a crowd larger than the limit verify again at once.
    if (this.verified.size >= (this.options.cacheLimit ?? CACHE_LIMIT)) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, { user, untilMs: exp * 1000 + skew });
    return user;
  }
}
