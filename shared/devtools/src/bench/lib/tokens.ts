import { signToken } from "@surge/platform/http/auth";

/** Tokens are signed up front: signing inside the load loop would bill its CPU to the server's rival. */
export async function userTokens(secret: string, users: number, ttlS: number): Promise<string[]> {
  return Promise.all(Array.from({ length: users }, (_, i) => signToken({ id: `bench-u${i}`, role: "user" }, secret, ttlS)));
}

/**
 * One user after another, so per-user state (Redis counters, rate-limit buckets) is spread like
 * real traffic. Header objects are built once: the load generator shares the CPU with the server.
 */
export function rotatingHeaders(tokens: string[], fixed: Record<string, string> = {}): () => Record<string, string> {
  const headers = tokens.map((t) => ({ ...fixed, authorization: `Bearer ${t}` }));
  let next = 0;
  return () => headers[next++ % headers.length]!;
}
