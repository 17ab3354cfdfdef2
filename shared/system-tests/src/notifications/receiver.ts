import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { verifySignature } from "@surge/areas/notifications/signature";

export type ReceiverMode = "ok" | "unavailable" | "hang";

export interface Received {
  deliveryId: string;
  webhookId: string;
  body: { id: string; type: string; occurredAt: string; data: Record<string, unknown> };
}

/**
 * A webhook receiver as a customer would write one: a real HTTP server that checks every request's
 * Surge-Signature with the webhook's secret. It can answer 503, hang, be closed and come back on
 * the same port.
 */
export class WebhookReceiver {
  mode: ReceiverMode;
  secret = "";
  webhookId = "";
  readonly received: Received[] = [];
  /** Requests whose signature, headers or body did not check out. */
  readonly bad: string[] = [];
  requests = 0;
  refused = 0;
  private server: Server | null = null;
  private port = 0;
  private readonly hanging = new Set<ServerResponse>();

  constructor(mode: ReceiverMode = "ok") {
    this.mode = mode;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  distinct(): Set<string> {
    return new Set(this.received.map((r) => r.deliveryId));
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Killed: the port refuses connections until start() again; requests in flight are cut. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    this.requests++;
    if (this.mode === "hang") {
      this.hanging.add(res);
      return;
    }
    if (this.mode === "unavailable") {
      this.refused++;
      res.writeHead(503).end();
      return;
    }
    const signature = String(req.headers["surge-signature"] ?? "");
    const deliveryId = String(req.headers["surge-delivery-id"] ?? "");
    const webhookId = String(req.headers["surge-webhook-id"] ?? "");
    let body: Received["body"] | null = null;
    try {
      body = JSON.parse(raw) as Received["body"];
    } catch {
      body = null;
    }
    if (!verifySignature(this.secret, raw, signature)) this.bad.push(`signature ${signature} of ${raw}`);
    else if (!body || body.id !== deliveryId || webhookId !== this.webhookId) this.bad.push(`headers ${deliveryId}/${webhookId} of ${raw}`);
    else this.received.push({ deliveryId, webhookId, body });
    res.writeHead(204).end();
  }
}
