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

/** What every bench that owns its stores starts with: its options, a fixture, and the machine (logged). */
export async function openBench(argv: string[], cleanup: Cleanup, log: (line: string) => void) {
  const args = parseBenchArgs(argv);
  const fx = await createFixture(readBenchEnv(), cleanup);
  const machine = await describeMachine(await serverInfo(fx.db), await probeCommit(fx.db));
  log(`machine: ${machineLine(machine)}`);
  return { args, fx, machine };
}

/**
 * What a claims-shaped bench starts with: openBench's, a profile folder when profiling, and rotating
 * claim headers for `users` distinct users (`--users` wins).
 */
export async function startBench(argv: string[], cleanup: Cleanup, users: number, log: (line: string) => void) {
  const { args, fx, machine } = await openBench(argv, cleanup, log);
  const profileRoot = args.profile ? await mkdtemp(join(tmpdir(), "surge-bench-")) : undefined;
  const signing = benchSigning(fx.jwtSecret, args);
  const headers = rotatingHeaders(await userTokens(signing, args.users ?? users), { "content-length": "0" });
  return { args, fx, machine, profileRoot, signing, headers };
}
