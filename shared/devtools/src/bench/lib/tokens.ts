import { DEFAULT_JWT_MAX_TTL_S } from "@surge/platform/config";
import { signToken, type TokenSigner } from "@surge/platform/http/auth";
import type { BenchArgs } from "./args.js";

export interface BenchSigning {
  signer: TokenSigner;
  ttlS: number;
}

/**
 * How the bench signs for the apps it starts: their secret, any JWT_ISSUER/JWT_AUDIENCE passed with
 * --env, and a lifetime that covers the warm-up, the run and the set-up around them but stays
 * within the JWT_MAX_TTL_S the apps enforce (they would answer every request 401).
 */
export function benchSigning(secret: string, args: BenchArgs): BenchSigning {
  const env = args.childEnv;
  const ttlS = args.warmupS + args.durationS + 3600;
  const maxS = Number(env.JWT_MAX_TTL_S ?? DEFAULT_JWT_MAX_TTL_S);
  if (ttlS > maxS)
    throw new Error(`this run needs tokens valid ${ttlS} s, longer than the apps accept (JWT_MAX_TTL_S ${maxS} s): pass --env JWT_MAX_TTL_S=${ttlS}`);
  return { signer: { secret, issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE }, ttlS };
}

/** Tokens are signed up front: signing inside the load loop would bill its CPU to the server's rival. */
export async function userTokens({ signer, ttlS }: BenchSigning, users: number): Promise<string[]> {
  return Promise.all(Array.from({ length: users }, (_, i) => signToken({ id: `bench-u${i}`, role: "user" }, signer, ttlS)));
}

export const adminToken = ({ signer, ttlS }: BenchSigning): Promise<string> => signToken({ id: "bench-admin", role: "admin" }, signer, ttlS);

/**
 * One user after another, so per-user state (Redis counters, rate-limit buckets) is spread like
 * real traffic. Header objects are built once: the load generator shares the CPU with the server.
 */
export function rotatingHeaders(tokens: string[], fixed: Record<string, string> = {}): () => Record<string, string> {
  const headers = tokens.map((t) => ({ ...fixed, authorization: `Bearer ${t}` }));
  let next = 0;
  return () => headers[next++ % headers.length]!;
}
