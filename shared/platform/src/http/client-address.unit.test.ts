import type { Context } from "hono";
import { describe, expect, it } from "vitest";
import { addressBucket, clientAddressOf } from "./client-address.js";

/** A request as @hono/node-server hands it over: Node's IncomingMessage in `c.env.incoming`. */
const request = (peer: string, forwardedFor?: string) =>
  ({
    env: { incoming: { socket: { remoteAddress: peer }, headers: forwardedFor === undefined ? {} : { "x-forwarded-for": forwardedFor } } },
  }) as unknown as Context;

describe("addressBucket", () => {
  it("keeps an IPv4 address, and unwraps one mapped into IPv6", () => {
    expect(addressBucket("203.0.113.7")).toBe("203.0.113.7");
    expect(addressBucket("::ffff:203.0.113.7")).toBe("203.0.113.7");
  });

  it("counts IPv6 addresses by their /64, however they are written", () => {
    const bucket = "2001:db8:0:1::/64";
    expect(addressBucket("2001:db8:0:1::1")).toBe(bucket);
    expect(addressBucket("2001:0DB8:0000:0001:abcd:ef01:2345:6789")).toBe(bucket);
    expect(addressBucket("2001:db8::1:0:0:0:5")).toBe(bucket);
    expect(addressBucket("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
    expect(addressBucket("::1")).toBe("0:0:0:0::/64");
    expect(addressBucket("2001:db8:0:2::1")).not.toBe(bucket);
  });

  it("keeps text that is no address as it is, cut to a bounded length", () => {
    expect(addressBucket(" unknown ")).toBe("unknown");
    expect(addressBucket("x".repeat(500))).toHaveLength(64);
  });
});

describe("clientAddressOf", () => {
  it("ignores X-Forwarded-For when no proxy is trusted", () => {
    expect(clientAddressOf(0)(request("198.51.100.1", "10.0.0.1"))).toBe("198.51.100.1");
  });

  it("takes the entry as many hops back as there are trusted proxies, never one a client wrote", () => {
    // The client wrote 10.6.6.6; the first proxy appended 10.0.0.1, the peer it saw; the second proxy is the socket's peer.
    const req = request("192.0.2.9", "10.6.6.6, 10.0.0.1, 192.0.2.8");
    expect(clientAddressOf(1)(req)).toBe("192.0.2.8");
    expect(clientAddressOf(2)(req)).toBe("10.0.0.1");
    // Fewer hops than trusted proxies: the furthest one there is.
    expect(clientAddressOf(5)(request("192.0.2.9", "10.0.0.1"))).toBe("10.0.0.1");
    expect(clientAddressOf(1)(request("192.0.2.9"))).toBe("192.0.2.9");
  });
});
