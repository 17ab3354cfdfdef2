import { createHmac } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { AppError } from "../errors.js";
import { requestHeader } from "./node-headers.js";
import { TokenVerifier, type AuthUser, type Role } from "./token-verifier.js";

export type { AuthUser, Role };

/** What an HS256 token is signed with, and the claims the verifier may require of it. */
export interface TokenSigner {
  secret: string;
  issuer?: string | undefined;
  audience?: string | undefined;
}

const segment = (json: object) => Buffer.from(JSON.stringify(json)).toString("base64url");
const HS256_HEADER = segment({ alg: "HS256", typ: "JWT" });

/** An HS256 token for `user`, issued now (`iat`) and valid `ttlSeconds`; a bare string is the secret. */
export async function signToken(user: AuthUser, signer: string | TokenSigner, ttlSeconds: number): Promise<string> {
  const { secret, issuer, audience } = typeof signer === "string" ? { secret: signer } : signer;
  const iat = Math.floor(Date.now() / 1000);
  const body = segment({
    sub: user.id,
    role: user.role,
    iat,
    exp: iat + ttlSeconds,
    ...(issuer === undefined ? {} : { iss: issuer }),
    ...(audience === undefined ? {} : { aud: audience }),
  });
  const sig = createHmac("sha256", secret).update(`${HS256_HEADER}.${body}`).digest("base64url");
  return `${HS256_HEADER}.${body}.${sig}`;
}

/** Authenticates the bearer token; with `role: "admin"` a user token is refused with 403. */
export function requireAuth(verifier: TokenVerifier, role?: "admin"): MiddlewareHandler<{ Variables: { user: AuthUser } }> {
  return async (c, next) => {
    const header = requestHeader(c, "authorization") ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw new AppError("UNAUTHENTICATED", "A bearer token is required.");
    const verified = verifier.verify(match[1]);
    // HS256 and cache hits answer synchronously: no extra turn of the event loop on the claim path.
    const user = verified instanceof Promise ? await verified : verified;
    if (role === "admin" && user.role !== "admin") throw new AppError("FORBIDDEN", "This route is for admins.");
    c.set("user", user);
    await next();
  };
}
