import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { existsSync } from "node:fs";
import { join } from "node:path";

export const REPO_ROOT = fileURLToPath(new URL("../../../../../", import.meta.url));

export interface NodeChild {
  name: string;
  pid: number;
  url: string;
  signal(sig: NodeJS.Signals): void;
  /** SIGTERM (so --cpu-prof can write its profile), SIGKILL if it will not go. Safe to call twice. */
  stop(): Promise<void>;
}

export interface NodeChildOptions {
  name: string;
  /** Entry file relative to the repo root. */
  entry: string;
  args?: string[];
  env: Record<string, string>;
  port: number;
  /** When set, the child runs with --cpu-prof and writes its profile here on exit. */
  profileDir?: string | undefined;
  /** Extra node flags, after tsx is loaded (e.g. `--import` of a .ts probe). */
  nodeFlags?: string[];
  /**
   * Runs the built JavaScript (`<app>/dist/….js`, with `--enable-source-maps`) as `npm start` does,
   * instead of the TypeScript source through tsx: the loader's own memory is not the app's.
   */
  built?: boolean;
}

/** `command-api/src/main.ts` → `command-api/dist/main.js`, which `npm run build` must have written. */
function builtEntry(entry: string): string {
  const built = entry.replace(/\/src\/(.*)\.ts$/, "/dist/$1.js");
  if (built === entry || !existsSync(join(REPO_ROOT, built))) throw new Error(`${built} is missing: run npm run build first`);
  return built;
}

export async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, "127.0.0.1");
  await once(srv, "listening");
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

/**
 * Source mode (`--conditions=source --import tsx`), like `npm run token`: tsx only costs at module
 * load, so after the warm-up the app runs the same JIT-compiled code a dist build would.
 */
export async function startNodeChild(opts: NodeChildOptions): Promise<NodeChild> {
  const prof = opts.profileDir ? ["--cpu-prof", `--cpu-prof-dir=${opts.profileDir}`] : [];
  const runtime = opts.built ? ["--enable-source-maps"] : ["--conditions=source", "--import", "tsx"];
  const flags = [...prof, ...runtime, ...(opts.nodeFlags ?? [])];
  const entry = opts.built ? builtEntry(opts.entry) : opts.entry;
  const child = spawn(process.execPath, [...flags, entry, ...(opts.args ?? [])], {
    cwd: REPO_ROOT,
    env: opts.env,
    stdio: ["ignore", "inherit", "inherit"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = `http://127.0.0.1:${opts.port}`;
  const handle: NodeChild = {
    name: opts.name,
    pid: child.pid ?? -1,
    url,
    signal: (sig) => void child.kill(sig),
    stop: () => stopChild(child, exited),
  };
  try {
    await waitReady(url, exited, opts.name);
  } catch (err) {
    await handle.stop();
    throw err;
  }
  return handle;
}

async function waitReady(url: string, exited: Promise<number | null>, name: string): Promise<void> {
  let exitCode: number | null | undefined;
  void exited.then((c) => (exitCode = c));
  const giveUpAt = Date.now() + 60_000;
  while (Date.now() < giveUpAt) {
    if (exitCode !== undefined) throw new Error(`${name} exited with code ${exitCode} before it was ready`);
    try {
      const res = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await delay(100);
  }
  throw new Error(`${name} was not ready at ${url}/ready within 60 s`);
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timedOut = await Promise.race([exited.then(() => false), delay(15_000, true, { ref: false })]);
  if (timedOut) {
    child.kill("SIGKILL");
    await exited;
  }
}
