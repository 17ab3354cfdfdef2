import { parseArgs } from "node:util";
import { signToken } from "@surge/platform/http/auth";
import { jwtVerifierOptions } from "@surge/platform/config";
import { readEnv } from "@surge/command-api/env";

const units: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

function ttlSeconds(ttl: string): number {
  const m = /^(\d+)([smhd])$/.exec(ttl);
  if (!m) throw new Error(`--ttl must look like 30s, 15m, 1h or 7d (got ${ttl})`);
  return Number(m[1]) * units[m[2]!]!;
}

/** `npm run token -- --sub u1 [--role admin] [--ttl 1h]`: prints a token signed with JWT_SECRET. */
const { values } = parseArgs({
  options: { sub: { type: "string" }, role: { type: "string", default: "user" }, ttl: { type: "string", default: "1h" } },
});
if (!values.sub || !/^[A-Za-z0-9_-]{1,64}$/.test(values.sub)) {
  console.error("usage: npm run token -- --sub <userId> [--role user|admin] [--ttl 1h]");
  process.exit(2);
}
if (values.role !== "user" && values.role !== "admin") {
  console.error("--role must be user or admin");
  process.exit(2);
}
const options = jwtVerifierOptions(readEnv());
if (options.key.alg !== "HS256") {
  console.error(`npm run token signs HS256 tokens with JWT_SECRET; with JWT_ALG=${options.key.alg} tokens come from the issuer that holds the private key`);
  process.exit(2);
}
const ttl = ttlSeconds(values.ttl);
if (ttl > options.maxTtlS) {
  // The apps would refuse such a token with 401: say so here rather than hand one out.
  console.error(`--ttl ${values.ttl} (${ttl} s) is longer than the ${options.maxTtlS} s the apps accept (JWT_MAX_TTL_S)`);
  process.exit(2);
}
const { issuer, audience } = options;
console.log(await signToken({ id: values.sub, role: values.role }, { secret: options.key.secret, issuer, audience }, ttl));
