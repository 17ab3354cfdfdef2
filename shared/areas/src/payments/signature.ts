import { createHmac, timingSafeEqual } from "node:crypto";

/** The development default of PG_WEBHOOK_SECRET; a warning is logged when it is used outside tests. */
export const DEV_PG_WEBHOOK_SECRET = "surge-dev-pg-webhook-secret-0123456789";

/** The header a PG callback carries its signature in (HTTP headers are case-insensitive). */
export const PG_SIGNATURE_HEADER = "X-PG-Signature";

/** Hex HMAC-SHA256 of the exact bytes sent: sign the raw body, never a re-serialised object. */
export function signBody(body: string | Uint8Array, secret: string): string {
  return createHmac("sha256", secret).update(body).digest("hex");
}

const HEX_SHA256 = /^[0-9a-f]{64}$/i;

/**
 * Whether `signature` is the signature of `rawBody` (the bytes as received, before any JSON
 * parsing). Compared in constant time; a missing or malformed signature is simply not valid.
 */
export function verifySignature(rawBody: string | Uint8Array, signature: string | null | undefined, secret: string): boolean {
  if (typeof signature !== "string" || !HEX_SHA256.test(signature)) return false;
  const expected = Buffer.from(signBody(rawBody, secret), "hex");
  const given = Buffer.from(signature, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}
