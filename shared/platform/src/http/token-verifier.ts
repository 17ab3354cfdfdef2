import { createHmac, timingSafeEqual, type KeyObject, createSecretKey } from "node:crypto";
import { z } from "zod";
import { userIdPattern } from "../ids.js";
import { AppError } from "../errors.js";

export type Role = "user" | "admin";
export interface AuthUser {
  id: string;
  role: Role;
}

const claimsSchema = z.object({
  sub: z.string().regex(userIdPattern),
  role: z.enum(["user", "admin"]),
  exp: z.number().int(),
  nbf: z.number().optional(),
});

const invalid = () => new AppError("UNAUTHENTICATED", "The token is invalid or expired.");
const CACHE_LIMIT = 50_000;

function decodeJson(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
  } catch {
    throw invalid();
  }
}

/**
 * HS256 verification with node:crypto on a key imported once, plus a bounded cache of tokens
 * already verified (kept until their exp). WebCrypto-based verifiers re-import the key and hop
 * to the thread pool on every call: a fifth of a claim's CPU at peak.
 */
export class TokenVerifier {
  private readonly key: KeyObject;
  private readonly verified = new Map<string, { user: AuthUser; expMs: number }>();

  constructor(secret: string) {
    this.key = createSecretKey(Buffer.from(secret, "utf8"));
  }

  verify(token: string, now = Date.now()): AuthUser {
    const hit = this.verified.get(token);
    if (hit && hit.expMs > now) return hit.user;
    const parts = token.split(".");
    if (parts.length !== 3) throw invalid();
    const [head, body, sig] = parts as [string, string, string];
    const header = decodeJson(head) as { alg?: unknown };
    if (header?.alg !== "HS256") throw invalid();
    const expected = createHmac("sha256", this.key).update(`${head}.${body}`).digest();
    const given = Buffer.from(sig, "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
    const claims = claimsSchema.safeParse(decodeJson(body));
    if (!claims.success) throw new AppError("UNAUTHENTICATED", "The token lacks a valid sub, role or exp claim.");
    const { sub, role, exp, nbf } = claims.data;
    if (exp * 1000 <= now || (nbf !== undefined && nbf * 1000 > now)) throw invalid();
    const user = { id: sub, role };
    if (this.verified.size >= CACHE_LIMIT) this.verified.clear();
    this.verified.set(token, { user, expMs: exp * 1000 });
    return user;
  }
}
