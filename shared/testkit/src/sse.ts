import { request as httpRequest, type IncomingMessage } from "node:http";

export interface SseMessage {
  event: string;
  data: any;
}

export interface SseClient {
  status: number;
  headers: Record<string, string>;
  /** The problem body when the server answered without streaming. */
  problem: Record<string, unknown> | null;
  /** The first not yet taken message of this type (matching `where`), waiting up to `timeoutMs`. */
  next: (event: string, where?: (data: any) => boolean, timeoutMs?: number) => Promise<any>;
  /** Every message received so far, taken or not. */
  received: () => SseMessage[];
  comments: () => number;
  /** The last `retry:` the server sent (ms an EventSource waits before reconnecting), or null. */
  retry: () => number | null;
  /** Settles once the stream is over, however it ended. */
  ended: Promise<void>;
  close: () => void;
}

/**
 * A minimal EventSource over node:http: parses `event:`/`data:` blocks and counts `:` comments.
 * Each stream has its own connection; `localAddress` connects from another source address (any of
 * 127.0.0.0/8 reaches a local server), so a test can be several clients.
 */
export async function openSse(url: string, opts: { localAddress?: string } = {}): Promise<SseClient> {
  const req = httpRequest(url, { headers: { accept: "text/event-stream" }, agent: false, ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) });
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    req.once("response", resolve);
    req.once("error", reject);
    req.end();
  });
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
  const all: SseMessage[] = [];
  const pending: SseMessage[] = [];
  let comments = 0;
  let retry: number | null = null;
  let wake: () => void = () => undefined;

  if (!headers["content-type"]?.startsWith("text/event-stream")) {
    const chunks: Buffer[] = [];
    for await (const chunk of res as AsyncIterable<Buffer>) chunks.push(chunk);
    const text = Buffer.concat(chunks).toString("utf8");
    return {
      status: res.statusCode ?? 0,
      headers,
      problem: text ? JSON.parse(text) : {},
      next: () => Promise.reject(new Error("no stream")),
      received: () => [],
      comments: () => 0,
      retry: () => null,
      ended: Promise.resolve(),
      close: () => undefined,
    };
  }

  const ended = (async () => {
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of res as AsyncIterable<Buffer>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = "message";
          const data: string[] = [];
          for (const line of block.split("\n")) {
            if (line.startsWith(":")) comments++;
            else if (line.startsWith("event: ")) event = line.slice(7);
            else if (line.startsWith("data: ")) data.push(line.slice(6));
            else if (line.startsWith("retry: ")) retry = Number(line.slice(7));
          }
          if (data.length > 0) {
            const message = { event, data: JSON.parse(data.join("\n")) };
            all.push(message);
            pending.push(message);
          }
          wake();
        }
      }
    } catch {
      // Destroyed by close(), or the connection was cut.
    }
  })();

  const next = async (event: string, where: (data: any) => boolean = () => true, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = pending.findIndex((m) => m.event === event && where(m.data));
      if (i >= 0) return pending.splice(i, 1)[0]!.data;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${event} event within ${timeoutMs} ms; received ${JSON.stringify(all)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  };

  return {
    status: res.statusCode ?? 0,
    headers,
    problem: null,
    next,
    received: () => [...all],
    comments: () => comments,
    retry: () => retry,
    ended,
    close: () => req.destroy(),
  };
}
