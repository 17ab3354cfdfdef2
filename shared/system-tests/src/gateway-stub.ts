import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { PgPayment } from "@surge/areas/payments/gateway-client";
import { createTestContext } from "@surge/testkit/context";
import { useStarted } from "@surge/testkit/fixture";

/**
 * A tiny card gateway peer over real HTTP, answering what a test sets: the status list of an order
 * (`GET /payments?orderId=`) and refunds (`POST /payments/{key}/refund`), 500 for keys in `failing`.
 */
export interface GatewayStub {
  url: string;
  payments: Map<string, PgPayment[]>;
  failing: Set<string>;
  refunds: string[];
  close: () => Promise<void>;
}

export async function startGatewayStub(): Promise<GatewayStub> {
  const payments = new Map<string, PgPayment[]>();
  const failing = new Set<string>();
  const refunds: string[] = [];
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://stub");
    const refund = /^\/payments\/([^/]+)\/refund$/.exec(url.pathname);
    if (req.method === "GET" && url.pathname === "/payments") return send(res, 200, { items: payments.get(url.searchParams.get("orderId") ?? "") ?? [] });
    if (req.method === "POST" && refund) {
      const key = decodeURIComponent(refund[1]!);
      if (failing.has(key)) return send(res, 500, { title: "gateway fault" });
      refunds.push(key);
      return send(res, 200, { transactionKey: key, status: "REFUNDED" });
    }
    send(res, 404, { title: "no such route" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    payments,
    failing,
    refunds,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The file's own test context and a gateway stub, stopped after its tests (see useStarted). */
export const useGatewayStub = () =>
  useStarted(["ctx", "gw"], async (atEnd) => {
    const ctx = await createTestContext();
    atEnd(() => ctx.close());
    const gw = await startGatewayStub();
    atEnd(() => gw.close());
    return { ctx, gw };
  });
