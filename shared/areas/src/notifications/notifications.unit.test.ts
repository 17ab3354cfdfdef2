import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signatureHeader, verifySignature } from "./signature.js";
import { afterAttempt, GIVE_UP_AFTER_MS, retryDelayMs } from "./retry.js";
import { isInternalAddress, refusedUrl } from "./url-policy.js";
import { notificationOf } from "./kinds.js";
import { languageOf } from "./contacts.js";
import { renderEmail } from "./templates.js";
import { deliveryIdOf } from "./follower.js";
import { allowInsecureWebhooks } from "./config.js";

describe("Surge-Signature", () => {
  it("is t=<unix s>,v1=<hex HMAC-SHA256 of '<t>.<raw body>'>", () => {
    const body = '{"id":"d1","type":"CouponClaimed"}';
    const expected = createHmac("sha256", "whsec_x").update(`1767225600.${body}`).digest("hex");
    expect(signatureHeader("whsec_x", body, 1767225600)).toBe(`t=1767225600,v1=${expected}`);
  });

  it("verifies its own header and refuses another body, secret or a malformed header", () => {
    const header = signatureHeader("s1", "{}", 100);
    expect(verifySignature("s1", "{}", header)).toBe(true);
    expect(verifySignature("s1", "{ }", header)).toBe(false);
    expect(verifySignature("s2", "{}", header)).toBe(false);
    expect(verifySignature("s1", "{}", "t=100")).toBe(false);
    expect(verifySignature("s1", "{}", "garbage")).toBe(false);
  });
});

describe("retry schedule", () => {
  it("first retry after 1 s, doubling, capped at 10 minutes", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 50].map(retryDelayMs)).toEqual([
      1000, 2000, 4000, 8000, 16_000, 32_000, 64_000, 128_000, 256_000, 512_000, 600_000, 600_000,
    ]);
  });

  const since = new Date("2026-12-01T00:00:00.000Z");
  const at = (ms: number) => new Date(since.getTime() + ms);

  it("given a pending delivery, when a receiver answers 2xx, then it is DELIVERED", () => {
    expect(afterAttempt({ attempts: 3, pendingSince: since }, { ok: true }, at(5000))).toEqual({ status: "DELIVERED", attempts: 4 });
  });

  it("given a new delivery, when the first attempt fails, then the next is due within 2 s", () => {
    const next = afterAttempt({ attempts: 0, pendingSince: since }, { ok: false, error: "HTTP 503" }, since);
    expect(next).toEqual({ status: "PENDING", attempts: 1, nextAttemptAt: at(1000), error: "HTTP 503" });
  });

  it("given many failures, when it fails again, then the gap is 10 minutes at most", () => {
    const next = afterAttempt({ attempts: 20, pendingSince: since }, { ok: false, error: "timed out" }, at(3600_000));
    expect(next).toMatchObject({ status: "PENDING", nextAttemptAt: at(3600_000 + 600_000) });
  });

  it("given a delivery near the end of its 24 h, when it fails, then the last try lands on the deadline", () => {
    const next = afterAttempt({ attempts: 150, pendingSince: since }, { ok: false, error: "HTTP 500" }, at(GIVE_UP_AFTER_MS - 60_000));
    expect(next).toMatchObject({ status: "PENDING", nextAttemptAt: at(GIVE_UP_AFTER_MS) });
  });

  it("given a delivery pending for 24 h, when it fails, then it is FAILED", () => {
    expect(afterAttempt({ attempts: 151, pendingSince: since }, { ok: false, error: "HTTP 500" }, at(GIVE_UP_AFTER_MS))).toEqual({
      status: "FAILED",
      attempts: 152,
      error: "HTTP 500",
    });
  });

  it("a schedule of failures every time it is due takes 24 h to become FAILED, with gaps of 1 s, 2 s, 4 s … 10 min", () => {
    let d = { attempts: 0, pendingSince: since };
    let now = since;
    const gaps: number[] = [];
    for (;;) {
      const next = afterAttempt(d, { ok: false, error: "x" }, now);
      if (next.status !== "PENDING") {
        expect(next.status).toBe("FAILED");
        break;
      }
      gaps.push(next.nextAttemptAt.getTime() - now.getTime());
      d = { attempts: next.attempts, pendingSince: since };
      now = next.nextAttemptAt;
    }
    expect(now.getTime() - since.getTime()).toBe(GIVE_UP_AFTER_MS);
    expect(gaps.slice(0, 4)).toEqual([1000, 2000, 4000, 8000]);
    expect(Math.max(...gaps)).toBe(600_000);
  });
});

describe("webhook URLs", () => {
  it("accepts https to a public host", () => {
    expect(refusedUrl("https://hooks.example.com/surge", false)).toBeNull();
    expect(refusedUrl("https://93.184.216.34/x", false)).toBeNull();
  });

  it("refuses http, loopback, private and link-local hosts unless insecure URLs are allowed", () => {
    for (const url of [
      "http://hooks.example.com/x",
      "https://localhost/x",
      "https://api.localhost/x",
      "https://127.0.0.1/x",
      "https://10.1.2.3/x",
      "https://172.16.0.1/x",
      "https://192.168.1.1/x",
      "https://169.254.169.254/latest",
      "https://[::1]/x",
      "https://[fd00::1]/x",
      "https://[::ffff:127.0.0.1]/x",
      "https://0.0.0.0/x",
    ]) {
      expect(refusedUrl(url, false), url).not.toBeNull();
      expect(refusedUrl(url, true), url).toBeNull();
    }
  });

  it("refuses what is no http(s) URL at all, or carries credentials, even when insecure URLs are allowed", () => {
    for (const url of ["not a url", "ftp://example.com/x", "file:///etc/passwd", "https://user:pw@example.com/"])
      expect(refusedUrl(url, true), url).not.toBeNull();
  });

  it("knows the internal ranges", () => {
    expect(["127.0.0.1", "10.0.0.1", "172.31.255.255", "192.168.0.1", "100.64.0.1", "::1", "fe80::1"].every(isInternalAddress)).toBe(true);
    expect(["8.8.8.8", "172.32.0.1", "2606:4700::1111"].some(isInternalAddress)).toBe(false);
  });

  it("WEBHOOK_ALLOW_INSECURE defaults to true outside production, false in it, and an explicit value wins", () => {
    expect(allowInsecureWebhooks({ NODE_ENV: "development" })).toBe(true);
    expect(allowInsecureWebhooks({ NODE_ENV: "test" })).toBe(true);
    expect(allowInsecureWebhooks({ NODE_ENV: "production" })).toBe(false);
    expect(allowInsecureWebhooks({ NODE_ENV: "production", WEBHOOK_ALLOW_INSECURE: "true" })).toBe(true);
    expect(allowInsecureWebhooks({ NODE_ENV: "development", WEBHOOK_ALLOW_INSECURE: "false" })).toBe(false);
  });
});

describe("notification payloads", () => {
  it("carry only the listed fields: a card or anything added to an event later stays out", () => {
    const n = notificationOf({
      type: "OrderPaid",
      data: {
        orderId: "o1",
        eventId: "e1",
        userId: "u1",
        paymentId: "p1",
        payableAmount: 1000,
        paidAt: "2026-12-01T00:00:00.000Z",
        items: [{ dealId: "d1", productId: "p1", productName: "L", quantity: 1, unitPrice: 1000, lineAmount: 1000, card: "4111111111111111" }],
        card: { type: "KB", last4: "1111", number: "4111111111111111" },
      },
    });
    expect(n?.type).toBe("OrderPaid");
    expect(JSON.stringify(n)).not.toMatch(/card|4111|last4/);
    expect(n?.data).toMatchObject({ orderId: "o1", userId: "u1", payableAmount: 1000, items: [{ dealId: "d1", quantity: 1 }] });
  });

  it("name a refund OrderRefunded, as the contract does, and ignore events nobody is notified of", () => {
    expect(notificationOf({ type: "PaymentRefunded", data: { orderId: "o1", eventId: "e", paymentId: "p", amount: 5, refundedAt: "t" } })?.type).toBe(
      "OrderRefunded",
    );
    expect(notificationOf({ type: "PaymentRequested", data: { card: { last4: "1111" } } })).toBeNull();
  });

  it("a delivery id is the same for the same (event, webhook) and differs otherwise", () => {
    expect(deliveryIdOf("ev1", "wh1")).toBe(deliveryIdOf("ev1", "wh1"));
    expect(new Set([deliveryIdOf("ev1", "wh1"), deliveryIdOf("ev1", "wh2"), deliveryIdOf("ev2", "wh1")]).size).toBe(3);
  });
});

describe("email", () => {
  it("takes ko or en from Accept-Language, by preference, English otherwise", () => {
    expect(languageOf("ko-KR,ko;q=0.9,en;q=0.8")).toBe("ko");
    expect(languageOf("en-US,en;q=0.9,ko;q=0.8")).toBe("en");
    expect(languageOf("fr-FR,ko;q=0.5")).toBe("ko");
    expect(languageOf("en;q=0.1,ko;q=0.7")).toBe("ko");
    expect(languageOf("ko;q=0,en;q=0.2")).toBe("en");
    expect(languageOf(undefined)).toBe("en");
    expect(languageOf("de")).toBe("en");
  });

  it("renders plain text and HTML in the contact's language, escaping what it quotes", () => {
    const ko = renderEmail("OrderPaid", { orderId: "o1", payableAmount: 39000 }, "ko");
    expect(ko.subject).toContain("결제가 완료되었습니다");
    expect(ko.text).toContain("39,000원");
    expect(ko.html).toContain('lang="ko"');
    const en = renderEmail("GoodsAllocated", { orderId: "o1", name: "<b>Labubu</b>" }, "en");
    expect(en.subject).toBe("[Surge] A gift is yours");
    expect(en.html).not.toContain("<b>Labubu");
    expect(en.text).toContain('"<b>Labubu</b>"');
  });
});
