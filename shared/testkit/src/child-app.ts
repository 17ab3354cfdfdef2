import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
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
  if (app.child.exitCode !== null || app.child.signalCode !== null) throw new Error(`${name} exited (${app.child.exitCode ?? app.child.signalCode}):\n${app.output()}`);
};
