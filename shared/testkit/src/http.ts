import { Agent, request as httpRequest } from "node:http";

export interface HttpResponse<T = unknown> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
  text: string;
}

/** Enough sockets for real concurrency: thousands of requests with hundreds in flight at once. */
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

/**
 * A small HTTP client for black-box tests: raw status, headers and body, any method, any body
 * (including deliberately malformed ones), no retries and no JSON assumptions on the way out.
 */
export function http<T = any>(
  method: string,
  url: string,
  /** `localAddress`: the source address to connect from (any of 127.0.0.0/8 reaches a local server), to be another client. */
  opts: { headers?: Record<string, string>; body?: string | object; localAddress?: string } = {},
): Promise<HttpResponse<T>> {
  const payload = opts.body === undefined ? undefined : typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
  const headers: Record<string, string> = { ...(payload !== undefined && typeof opts.body === "object" ? { "content-type": "application/json" } : {}), ...opts.headers };
  if (payload !== undefined) headers["content-length"] = String(Buffer.byteLength(payload));
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers, agent, ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let body: unknown = text;
        if (/json/.test(String(res.headers["content-type"] ?? ""))) body = JSON.parse(text);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: body as T, text });
      });
    });
    req.on("error", reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
