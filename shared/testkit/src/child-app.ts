import { execFile, spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { testEnv } from "./env.js";

const root = fileURLToPath(new URL("../../..", import.meta.url));

export interface ChildApp {
  child: ChildProcess;
  /** Everything the child wrote, for failure messages. */
  output: () => string;
  exited: Promise<number | null>;
}

/** A real app as its own process (`entry` relative to the repo root), run from source as `npm run <app>` does. */
export function spawnApp(entry: string, env: Record<string, string>, args: string[] = []): ChildApp {
  const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", entry, ...args], {
    cwd: root,
    env: { ...testEnv.inherited(), LOG_LEVEL: "error", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/** For waitFor's `check`: gives up at once, with the child's output, once the child has exited. */
export const stillRunning = (app: ChildApp, name: string) => () => {
  if (app.child.exitCode !== null || app.child.signalCode !== null)
    throw new Error(`${name} exited (${app.child.exitCode ?? app.child.signalCode}):\n${app.output()}`);
};

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** A CLI (`entry` relative to the repo root) run from source to its end, as `npm run <script>` runs it: exit code and both outputs. */
export async function runCli(entry: string, args: string[], env: Record<string, string>): Promise<CliRun> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ["--conditions=source", "--import", "tsx", entry, ...args], {
      cwd: root,
      env: { ...testEnv.inherited(), ...env },
    });
    return { code: 0, out: stdout, err: stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, out: err.stdout, err: err.stderr };
  }
}
