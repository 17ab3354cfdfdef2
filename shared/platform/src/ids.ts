import { hash, randomFillSync } from "node:crypto";

// uuid's v7 asks crypto.getRandomValues for 16 fresh bytes on every call: at the spike that was
// ~2% of command-api's CPU (two or three ids per order). Random bytes are drawn 4 KiB at a time.
const pool = Buffer.alloc(4096);
let used = pool.length;
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

let lastMs = -1;
let counter = 0;

/**
 * A UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then a 12-bit counter that restarts at a random
 * value each millisecond (method 1), so ids made by one process sort in the order they were made,
 * which keeps inserts at the end of an index. The last 62 bits are random.
 */
export function newId(): string {
  if (used === pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const r = used;
  used += 16;
  const now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    // The top bit stays clear, so a millisecond has at least 2,048 ids before it borrows the next.
    counter = ((pool[r]! << 8) | pool[r + 1]!) & 0x7ff;
  } else if (++counter > 0xfff) {
    lastMs += 1;
    counter = 0;
  }
  return (
    Math.floor(lastMs / 2 ** 16)
      .toString(16)
      .padStart(8, "0") +
    "-" +
    (lastMs % 2 ** 16).toString(16).padStart(4, "0") +
    "-7" +
    (counter >> 8).toString(16) +
    HEX[counter & 0xff] +
    "-" +
    HEX[0x80 | (pool[r + 2]! & 0x3f)] +
    HEX[pool[r + 3]!] +
    "-" +
    HEX[pool[r + 4]!] +
    HEX[pool[r + 5]!] +
    HEX[pool[r + 6]!] +
    HEX[pool[r + 7]!] +
    HEX[pool[r + 8]!] +
    HEX[pool[r + 9]!]
  );
}

const namespaces = new Map<string, Buffer>();

/** A name-based UUIDv5 (RFC 9562), as uuid's v5 makes it, without its per-call parsing. */
export function nameBasedId(namespace: string, name: string): string {
  let ns = namespaces.get(namespace);
  if (!ns) {
    ns = Buffer.from(namespace.replaceAll("-", ""), "hex");
    if (ns.length !== 16) throw new Error(`not a UUID namespace: ${namespace}`);
    namespaces.set(namespace, ns);
  }
  const h = hash("sha1", Buffer.concat([ns, Buffer.from(name, "utf8")]), "buffer");
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.toString("hex", 0, 16);
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/**
 * The id of what a keyed request creates (order, payment, wallet charge): derived from the user and
 * the Idempotency-Key, so a retried or taken-over request can never create a second one.
 */
export const idForKey = (namespace: string, userId: string, key: string): string => nameBasedId(namespace, `${userId}\n${key}`);

export const userIdPattern = /^[A-Za-z0-9_-]{1,64}$/;
