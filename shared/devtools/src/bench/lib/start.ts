import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseBenchArgs } from "./args.js";
import type { Cleanup } from "./cleanup.js";
import { probeCommit, serverInfo } from "./database.js";
import { readBenchEnv } from "./env.js";
import { createFixture } from "./fixture.js";
import { describeMachine, machineLine } from "./machine.js";
import { benchSigning, rotatingHeaders, userTokens } from "./tokens.js";

/**
 * What a claims-shaped bench starts with: its options, a fixture, the machine (logged), a profile
 * folder when profiling, and rotating claim headers for `users` distinct users (`--users` wins).
 */
export async function startBench(argv: string[], cleanup: Cleanup, users: number, log: (line: string) => void) {
  const args = parseBenchArgs(argv);
  const fx = await createFixture(readBenchEnv(), cleanup);
  const machine = await describeMachine(await serverInfo(fx.db), await probeCommit(fx.db));
  log(`machine: ${machineLine(machine)}`);
  const profileRoot = args.profile ? await mkdtemp(join(tmpdir(), "surge-bench-")) : undefined;
  const signing = benchSigning(fx.jwtSecret, args);
  const headers = rotatingHeaders(await userTokens(signing, args.users ?? users), { "content-length": "0" });
  return { args, fx, machine, profileRoot, signing, headers };
}
