import type { MiddlewareHandler } from "hono";
import { sign, verify } from "hono/jwt";
import { z } from "zod";
import { AppError } from "../errors/index.js";
import { userIdPattern } from "../domain/ids.js";

export type Role = "user" | "admin";
export interface AuthUser {
  id: string;
  role: Role;
}

const claimsSchema = z.object({
  sub: z.string().regex(userIdPattern),
  role: z.enum(["user", "admin"]),
  exp: z.number().int(),
});

export async function verifyToken(token: string, secret: string): Promise<AuthUser> {
  let payload: unknown;
  try {
    payload = await verify(token, secret, "HS256");
  } catch {
    throw new AppError("UNAUTHENTICATED", "The token is invalid or expired.");
  }
  const claims = claimsSchema.safeParse(payload);
  if (!claims.success) throw new AppError("UNAUTHENTICATED", "The token lacks a valid sub, role or exp claim.");
  return { id: claims.data.sub, role: claims.data.role };
}

export function signToken(user: AuthUser, secret: string, ttlSeconds: number): Promise<string> {
  const exp = Math.floor(Date.now() / 1000) + ttlSeconds;
  return sign({ sub: user.id, role: user.role, exp }, secret, "HS256");
}

/** Authenticates the bearer token; with `role: "admin"` a user token is refused with 403. */
export function requireAuth(secret: string, role?: "admin"): MiddlewareHandler<{ Variables: { user: AuthUser } }> {
  return async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw new AppError("UNAUTHENTICATED", "A bearer token is required.");
    const user = await verifyToken(match[1], secret);
    if (role === "admin" && user.role !== "admin") throw new AppError("FORBIDDEN", "This route is for admins.");
    c.set("user", user);
    await next();
  };
}
