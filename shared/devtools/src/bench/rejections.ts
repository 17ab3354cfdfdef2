import type { Cleanup } from "./lib/cleanup.js";
import { runClaims } from "./claims.js";

/** After sell-out: every claim answers 409 SOLD_OUT (see claims.ts). */
export function run(argv: string[], cleanup: Cleanup): Promise<number> {
  return runClaims("rejections", argv, cleanup);
}
