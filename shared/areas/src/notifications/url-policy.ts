import { BlockList, isIP } from "node:net";
import { lookup } from "node:dns/promises";

/** Loopback, private, link-local, carrier-grade NAT and unspecified ranges: a webhook there reaches inside our network. */
const internal = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
] as const)
  internal.addSubnet(net, bits, "ipv4");
for (const [net, bits] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
] as const)
  internal.addSubnet(net, bits, "ipv6");

export function isInternalAddress(ip: string): boolean {
  const family = isIP(ip);
  if (family === 4) return internal.check(ip, "ipv4");
  if (family !== 6) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return mapped ? internal.check(mapped[1]!, "ipv4") : internal.check(ip, "ipv6");
}

/**
 * Why a webhook URL is refused, or null. Outside development only `https://` to a public host:
 * an admin token must not turn the deliverer into a probe of our own network.
 */
export function refusedUrl(raw: string, allowInsecure: boolean): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "is not a URL";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return "must be an https:// URL";
  if (url.username || url.password) return "must not carry credentials";
  if (allowInsecure) return null;
  if (url.protocol !== "https:") return "must be an https:// URL";
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (host === "localhost" || host.endsWith(".localhost") || isInternalAddress(host)) return "must not name a loopback or private address";
  return null;
}

/** At delivery time: a public name may resolve to an internal address (or be changed to), so its addresses are checked too. */
export async function refusedAtDelivery(raw: string, allowInsecure: boolean): Promise<string | null> {
  const refused = refusedUrl(raw, allowInsecure);
  if (refused || allowInsecure) return refused;
  const host = new URL(raw).hostname.replace(/^\[|\]$/g, "");
  if (isIP(host)) return null;
  const addresses = await lookup(host, { all: true });
  return addresses.some((a) => isInternalAddress(a.address)) ? "resolves to a loopback or private address" : null;
}
