export interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** One HTTP call with JSON in and out; a bearer token and extra headers are optional. */
export async function call(
  base: string,
  method: string,
  path: string,
  opts: { token?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${base}${path}`, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** Asserts the contract's problem shape and returns its code. */
export function problemCode(reply: Reply): string {
  const type = reply.headers.get("content-type") ?? "";
  if (!type.startsWith("application/problem+json")) throw new Error(`expected problem+json, got ${type}: ${JSON.stringify(reply.body)}`);
  const { code, status, type: urn } = reply.body;
  if (status !== reply.status || typeof urn !== "string" || !urn.startsWith("urn:surge:problem:")) {
    throw new Error(`malformed problem body: ${JSON.stringify(reply.body)}`);
  }
  return String(code);
}
