import { serve, type ServerType } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { PreflightError } from "../preflight.js";

type Fetch = (request: Request) => Response | Promise<Response>;

export interface RunningServer {
  port: number;
  url: string;
  close: () => Promise<void>;
}

/** Starts a node HTTP server (port 0 picks a free one) and resolves once it listens. */
export function listen(fetch: Fetch, port: number, hostname = "0.0.0.0"): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server: ServerType = serve({ fetch, port, hostname }, (info: AddressInfo) => {
      resolve({
        port: info.port,
        url: `http://127.0.0.1:${info.port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            // Keep-alive sockets would hold close() open until their idle timeout.
            (server as { closeAllConnections?: () => void }).closeAllConnections?.();
          }),
      });
    });
    // A taken port is a configuration problem: say which, instead of an unhandled 'error' stack.
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(err.code === "EADDRINUSE" ? new PreflightError(`port ${port} is already in use; stop what holds it or set another port`) : err),
    );
    // Keep-alive longer than load balancers' idle timeouts, so they close first.
    (server as { keepAliveTimeout?: number }).keepAliveTimeout = 65_000;
  });
}
