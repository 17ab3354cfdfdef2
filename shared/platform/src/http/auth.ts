import type { MiddlewareHandler } from "hono";
import { sign } from "hono/jwt";
import { AppError } from "../errors.js";
import { requestHeader } from "./node-headers.js";
import { TokenVerifier, type AuthUser, type Role } from "./token-verifier.js";

export type { AuthUser, Role };

const verifiers = new Map<string, TokenVerifier>();
const verifierFor = (secret: string) => verifiers.get(secret) ?? verifiers.set(secret, new TokenVerifier(secret)).get(secret)!;

export function signToken(user: AuthUser, secret: string, ttlSeconds: number): Promise<string> {
  const exp = Math.floor(Date.now() / 1000) + ttlSeconds;
  return sign({ sub: user.id, role: user.role, exp }, secret, "HS256");
}

/** Authenticates the bearer token; with `role: "admin"` a user token is refused with 403. */
export function requireAuth(secret: string, role?: "admin"): MiddlewareHandler<{ Variables: { user: AuthUser } }> {
  const verifier = verifierFor(secret);
  return async (c, next) => {
    const header = requestHeader(c, "authorization") ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw new AppError("UNAUTHENTICATED", "A bearer token is required.");
    const user = verifier.verify(match[1]);
    if (role === "admin" && user.role !== "admin") throw new AppError("FORBIDDEN", "This route is for admins.");
    c.set("user", user);
    await next();
  };
}
