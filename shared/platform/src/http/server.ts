import { serve, type ServerType } from "@hono/node-server";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { PreflightError } from "../preflight.js";
import type { Dependency } from "./app.js";

type Fetch = (request: Request) => Response | Promise<Response>;

export interface RunningServer {
  port: number;
  /** The interface it listens on (0.0.0.0, or 127.0.0.1 for a development tool). */
  address: string;
  url: string;
  /** Stops accepting connections, lets the requests in flight finish (up to the grace), then closes. */
  close: () => Promise<void>;
}

/**
 * Set when a process begins its graceful stop. It is one of the app's /ready dependencies, so a
 * load balancer sees 503 and sends new requests elsewhere while the ones in flight finish.
 */
export class Drain {
  draining = false;
  readonly dependency: Dependency = {
    name: "process",
    check: async () => {
      if (this.draining) throw new Error("stopping: finishing the requests in flight");
    },
  };
}

export interface ListenOptions {
  /** Default: every interface. Development tools pass 127.0.0.1. */
  hostname?: string;
  drain?: Drain;
  /** How long close() waits for requests in flight before it cuts their connections. */
  graceMs?: number;
}

/** Below onShutdown's 10 s hard stop, so the pools still close in order after the drain. */
export const DEFAULT_GRACE_MS = 8_000;

/** Starts a node HTTP server (port 0 picks a free one) and resolves once it listens. */
export function listen(fetch: Fetch, port: number, { hostname = "0.0.0.0", drain, graceMs = DEFAULT_GRACE_MS }: ListenOptions = {}): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server: ServerType = serve({ fetch, port, hostname }, (info: AddressInfo) => {
      resolve({ port: info.port, address: info.address, url: `http://127.0.0.1:${info.port}`, close: () => closeGracefully(server as Server, graceMs, drain) });
    });
    // A taken port is a configuration problem: say which, instead of an unhandled 'error' stack.
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(err.code === "EADDRINUSE" ? new PreflightError(`port ${port} is already in use; stop what holds it or set another port`) : err),
    );
    // Keep-alive longer than load balancers' idle timeouts, so they close first.
    (server as { keepAliveTimeout?: number }).keepAliveTimeout = 65_000;
  });
}

/**
 * server.close() stops accepting but waits for every keep-alive socket. Closing all connections at
 * once would reset requests about to commit (a claim whose event is being appended), so idle
 * sockets are closed as they become idle, and only what still runs after the grace is cut.
 */
function closeGracefully(server: Server, graceMs: number, drain: Drain | undefined): Promise<void> {
  if (drain) drain.draining = true;
  return new Promise<void>((done) => {
    const idle = setInterval(() => server.closeIdleConnections(), 25);
    const cut = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearInterval(idle);
      clearTimeout(cut);
      done();
    });
    server.closeIdleConnections();
  });
}
