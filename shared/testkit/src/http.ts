import { Agent, request as httpRequest } from "node:http";

export interface HttpResponse<T = any> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
  text: string;
}

/** Enough sockets for real concurrency: thousands of requests with hundreds in flight at once. */
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

export interface HttpOptions {
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string as it is (deliberately malformed bodies included). */
  body?: string | object;
  /** The source address to connect from (any of 127.0.0.0/8 reaches a local server), to be another client. */
  localAddress?: string;
}

/**
 * The HTTP client of every test: raw status, headers and body, any method, any body, no retries
 * and no JSON assumptions on the way out. A JSON answer (problem+json too) is parsed into `body`.
 */
export function http<T = any>(method: string, url: string, opts: HttpOptions = {}): Promise<HttpResponse<T>> {
  const payload = opts.body === undefined ? undefined : typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
  const headers: Record<string, string> = {
    ...(payload !== undefined && typeof opts.body === "object" ? { "content-type": "application/json" } : {}),
    ...(opts.token ? bearer(opts.token) : {}),
    ...opts.headers,
  };
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

/** Asserts the contract's problem shape and returns its code. */
export function problemCode(res: HttpResponse): string {
  const type = String(res.headers["content-type"] ?? "");
  if (!type.startsWith("application/problem+json")) throw new Error(`expected problem+json, got ${type}: ${res.text}`);
  const { code, status, type: urn } = res.body as Record<string, unknown>;
  if (status !== res.status || typeof urn !== "string" || !urn.startsWith("urn:surge:problem:")) throw new Error(`malformed problem body: ${res.text}`);
  return String(code);
}

/** One response header as fetch's Headers.get gives it: null when absent, repeated values joined. */
export function header(res: HttpResponse, name: string): string | null {
  const value = res.headers[name.toLowerCase()];
  return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
}

/** The X-Position a command answered with. */
export const positionOf = (res: HttpResponse) => Number(res.headers["x-position"]);
/** Headers asking the query side to include everything up to the highest X-Position of these command answers. */
export const after = (...answers: HttpResponse[]) => ({ "X-Min-Position": String(Math.max(...answers.map(positionOf))) });
