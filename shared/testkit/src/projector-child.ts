import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { testEnv } from "./env.js";

const root = fileURLToPath(new URL("../../..", import.meta.url));

export interface ChildProjector {
  child: ChildProcess;
  /** Everything the child wrote, for the failure message. */
  output: () => string;
  exited: Promise<number | null>;
}

/** The real projector as its own process, started the way `main.ts` is run from source. */
export function spawnProjector(env: Record<string, string>): ChildProjector {
  const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", "projector/src/main.ts"], {
    cwd: root,
    env: { ...testEnv.inherited(), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => out, exited };
}
