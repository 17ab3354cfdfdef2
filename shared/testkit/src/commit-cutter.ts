import net from "node:net";
import { sql } from "kysely";
import type { Db } from "@surge/platform/db/database";
import { waitFor } from "./wait.js";

/**
 * before-commit: the batch's INSERT…COMMIT never reaches the server, which rolls the transaction
 * back when its connection is killed. after-commit: the server runs it and commits, and its
 * answer is thrown away. Either way the client sees the same thing: its connection lost.
 */
export type CutMode = "before-commit" | "after-commit";

interface Armed {
  mode: CutMode;
  /** After the cut, refuse every new connection (the database "stays away") until accept(). */
  thenRefuse: boolean;
  /** after-commit: true once the append is visible from another connection. */
  committed: () => Promise<boolean>;
  resolve: (threadId: number) => void;
  reject: (err: unknown) => void;
}

// The event store's batch statement: its INSERT, sequence move and COMMIT go in one round trip.
const APPEND = Buffer.from("INSERT INTO events ", "latin1");
const COM_QUERY = 0x03;

/**
 * A TCP relay between a pool and MariaDB that, when armed, cuts the connection whose next append
 * carries the COMMIT: MariaDB's own KILL ends that connection's thread (its id read from the
 * server's handshake), and the relay drops the server's answer. Nothing is mocked: the database
 * commits or rolls back for real, and the client loses a real connection mid-COMMIT.
 */
export class CommitCutter {
  private armed: Armed | null = null;
  private refusing = false;
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
    private readonly admin: Db,
  ) {}

  /** `databaseUrl` is the database to relay to; `admin` a pool that does not go through the relay (it issues KILL). */
  static async start(databaseUrl: string, admin: Db): Promise<{ cutter: CommitCutter; url: string }> {
    const target = new URL(databaseUrl);
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const cutter = new CommitCutter(server, (server.address() as net.AddressInfo).port, admin);
    server.on("connection", (client: net.Socket) => cutter.relay(client, target.hostname, Number(target.port || 3306)));
    const url = new URL(databaseUrl);
    url.hostname = "127.0.0.1";
    url.port = String(cutter.port);
    return { cutter, url: url.toString() };
  }

  /** Cuts the next append's connection; resolves with the killed thread's id once it is cut. */
  arm(mode: CutMode, opts: { committed?: () => Promise<boolean>; thenRefuse?: boolean } = {}): Promise<number> {
    return new Promise((resolve, reject) => {
      this.armed = { mode, committed: opts.committed ?? (async () => true), thenRefuse: opts.thenRefuse ?? false, resolve, reject };
    });
  }

  /** Lets connections through again after a cut that refused them. */
  accept(): void {
    this.refusing = false;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private relay(client: net.Socket, host: string, port: number): void {
    if (this.refusing) {
      client.destroy();
      return;
    }
    const upstream = net.connect(port, host);
    this.sockets.add(client).add(upstream);
    let threadId: number | null = null;
    // Once cut, nothing the server says reaches the client, and before-commit nothing more reaches the server.
    let cut = false;
    let toServer = true;
    upstream.on("data", (chunk: Buffer) => {
      if (threadId === null) {
        // Handshake: 4-byte header, protocol version, NUL-terminated server version, 4-byte thread id.
        threadId = chunk.readUInt32LE(chunk.indexOf(0, 5) + 1);
      }
      if (!cut) client.write(chunk);
    });
    client.on("data", (chunk: Buffer) => {
      const armed = this.armed;
      if (armed && !cut && chunk[4] === COM_QUERY && chunk.subarray(5, 5 + APPEND.length).equals(APPEND)) {
        this.armed = null;
        cut = true;
        toServer = armed.mode === "after-commit";
        void this.cut(armed, threadId!, client, upstream);
      }
      if (toServer) upstream.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on("close", end).on("error", end);
    upstream.on("close", end).on("error", end);
  }

  private async cut(armed: Armed, threadId: number, client: net.Socket, upstream: net.Socket): Promise<void> {
    try {
      if (armed.mode === "after-commit") await waitFor("the cut append to commit", armed.committed, { everyMs: 5, timeoutMs: 5_000 });
      if (armed.thenRefuse) this.refusing = true;
      await sql`KILL ${sql.raw(String(threadId))}`.execute(this.admin);
      client.destroy();
      upstream.destroy();
      // The pool's other connections go too, so nothing reaches the database until accept().
      if (armed.thenRefuse) for (const socket of this.sockets) socket.destroy();
      armed.resolve(threadId);
    } catch (err) {
      armed.reject(err);
    }
  }
}
