import { isIPv4, isIPv6 } from "node:net";
import type { Context } from "hono";
import { nodeRequest, requestHeader } from "./node-headers.js";

/** Longest address text kept: a trusted proxy may forward anything a client wrote. */
const MAX_LENGTH = 64;

/**
 * Who a per-address limit counts a request against. IPv4 addresses stand for themselves; an IPv6
 * host is handed a whole /64 and can pick a new address in it for every request, so IPv6
 * addresses count by their /64.
 */
export function addressBucket(address: string): string {
  const plain = address.trim().slice(0, MAX_LENGTH);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(plain);
  if (mapped) return mapped[1]!;
  if (isIPv4(plain) || !isIPv6(plain.split("%")[0]!)) return plain;
  return `${ipv6Groups(plain.split("%")[0]!).slice(0, 4).join(":")}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address, "::" expanded, in lower-case hex. */
function ipv6Groups(address: string): string[] {
  const [head = "", tail] = address.split("::");
  const parts = (text: string) => (text === "" ? [] : text.split(":").flatMap((p) => (p.includes(".") ? ["0", "0"] : [p])));
  const front = parts(head);
  const back = tail === undefined ? [] : parts(tail);
  const groups = [...front, ...Array<string>(8 - front.length - back.length).fill("0"), ...back];
  return groups.map((g) => parseInt(g, 16).toString(16));
}

/**
 * The client's address as this process can know it: the socket's peer. Behind `trustedProxies`
 * proxies that each append the address they saw to X-Forwarded-For, it is the entry that many hops
 * back; anything further left was written by the client and is not believed. With no proxy
 * trusted the header is ignored, since any client can send one.
 */
export function clientAddressOf(trustedProxies: number): (c: Context) => string {
  return (c) => {
    const peer = nodeRequest(c)?.socket.remoteAddress ?? "unknown";
    if (trustedProxies === 0) return addressBucket(peer);
    const forwarded = (requestHeader(c, "x-forwarded-for") ?? "")
      .split(",")
      .map((a) => a.trim())
      .filter(Boolean);
    const hops = [...forwarded, peer];
    return addressBucket(hops[Math.max(0, hops.length - 1 - trustedProxies)]!);
  };
}
