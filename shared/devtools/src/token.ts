import { parseArgs } from "node:util";
import { signToken } from "@surge/platform/http/auth";
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
console.log(await signToken({ id: values.sub, role: values.role }, readEnv().JWT_SECRET, ttlSeconds(values.ttl)));
