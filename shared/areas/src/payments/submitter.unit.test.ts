import { afterEach, describe, expect, it, vi } from "vitest";
import pino from "pino";
import { CardSubmitter } from "./submitter.js";
import { GatewayError, type GatewayClient } from "./gateway-client.js";

describe("CardSubmitter.stop", () => {
  afterEach(() => vi.useRealTimers());

  it("ends a retry loop in its back-off without waiting it out", async () => {
    // Fake timers never fire by themselves: stop() can only resolve if it cuts the back-off short.
    vi.useFakeTimers();
    let attempts = 0;
    const failing = {
      submit: async () => {
        attempts++;
        throw new GatewayError("gateway down", true);
      },
    } as unknown as GatewayClient;
    const submitter = new CardSubmitter(failing, pino({ level: "silent" }));
    submitter.enqueue({ paymentId: "p1" } as never, Date.now() + 600_000);
    await vi.waitFor(() => expect(attempts).toBe(1));
    await submitter.stop();
    expect(attempts).toBe(1);
  });
});
