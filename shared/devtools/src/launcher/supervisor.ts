import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import type { AppSpec } from "./apps.js";

const palette = ["36", "35", "33", "32", "34", "91"]; // cyan, magenta, yellow, green, blue, red

export interface SupervisorOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** How long children get to drain after SIGTERM before they are killed. */
  graceMs: number;
  color: boolean;
  log: (message: string) => void;
}

/** Copies a child's output line by line under its name, so interleaved logs stay attributable. */
function pipeLines(from: Readable, to: Writable, prefix: string): void {
  createInterface({ input: from, crlfDelay: Infinity }).on("line", (line) => {
    to.write(`${prefix} ${line}\n`);
  });
}

/**
 * Runs the apps as child processes and treats them as one system: one that exits on its own takes
 * the others down (a half-running system would answer requests it cannot complete), and a stop
 * waits for every child to drain before the launcher exits.
 */
export class Supervisor {
  private readonly children = new Map<string, ChildProcess>();
  private stopping = false;
  private failed = false;
  private forceTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: SupervisorOptions) {
    // Last resort if the launcher itself dies: never leave apps holding the ports.
    process.once("exit", () => {
      for (const child of this.children.values()) child.kill("SIGKILL");
    });
  }

  /** Starts every app; resolves with the launcher's exit code once all of them have exited. */
  run(apps: AppSpec[]): Promise<number> {
    const width = Math.max(...apps.map((a) => a.name.length));
    return new Promise((resolve) => {
      apps.forEach((app, i) => {
        const label = app.name.padEnd(width);
        const prefix = this.opts.color ? `\x1b[${palette[i % palette.length]}m${label} |\x1b[0m` : `${label} |`;
        const child = spawn(process.execPath, ["--enable-source-maps", ...app.nodeFlags, app.entry], {
          cwd: this.opts.cwd,
          env: this.opts.env,
          stdio: ["ignore", "pipe", "pipe"],
        });
        this.children.set(app.name, child);
        pipeLines(child.stdout, process.stdout, prefix);
        pipeLines(child.stderr, process.stderr, prefix);
        child.once("error", (err) => this.opts.log(`${app.name} could not be started: ${err.message}`));
        // 'close' rather than 'exit': it comes after the child's last output line has been copied.
        child.once("close", (code, signal) => {
          this.children.delete(app.name);
          const how = signal ? `signal ${signal}` : `code ${code}`;
          if (!this.stopping) {
            this.failed = true;
            this.opts.log(`${app.name} exited unexpectedly (${how}); stopping the others`);
            this.stop();
          } else if (code !== 0) {
            this.failed = true;
            this.opts.log(`${app.name} stopped with ${how}`);
          }
          if (this.children.size === 0) {
            clearTimeout(this.forceTimer);
            resolve(this.failed ? 1 : 0);
          }
        });
      });
    });
  }

  /** Asks every child to drain (SIGTERM); a second call, or the grace period running out, kills them. */
  stop(): void {
    if (this.stopping) {
      this.kill("asked again");
      return;
    }
    this.stopping = true;
    for (const child of this.children.values()) child.kill("SIGTERM");
    this.forceTimer = setTimeout(() => this.kill(`still running after ${this.opts.graceMs / 1000} s`), this.opts.graceMs);
  }

  private kill(reason: string): void {
    if (this.children.size === 0) return;
    this.failed = true;
    this.opts.log(`${reason}; killing ${[...this.children.keys()].join(", ")}`);
    for (const child of this.children.values()) child.kill("SIGKILL");
  }
}
