import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** `Surge-Signature`: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` (contract: Notifications). */
export function signatureHeader(secret: string, body: string, unixSeconds: number): string {
  return `t=${unixSeconds},v1=${hmac(secret, unixSeconds, body)}`;
}

const hmac = (secret: string, t: number | string, body: string) => createHmac("sha256", secret).update(`${t}.${body}`).digest("hex");

/** What a receiver does (and the tests, as one): true when `header` signs `body` with `secret`. */
export function verifySignature(secret: string, body: string, header: string): boolean {
  const parts = Object.fromEntries(header.split(",").map((p) => p.split("=", 2) as [string, string]));
  if (!parts.t || !/^\d+$/.test(parts.t) || !parts.v1 || !/^[0-9a-f]{64}$/.test(parts.v1)) return false;
  return timingSafeEqual(Buffer.from(parts.v1, "hex"), Buffer.from(hmac(secret, parts.t, body), "hex"));
}

/** A new webhook's secret: 32 random bytes, shown once. */
export const newSecret = (): string => `whsec_${randomBytes(32).toString("base64url")}`;
