import { describe, expect, it } from "vitest";
import { createLogger } from "../logging.js";
import { createBaseApp } from "./app.js";
import { createMetrics } from "./metrics.js";
import { Drain } from "./server.js";

describe("Drain", () => {
  it("turns /ready to 503 once the process begins its graceful stop, naming why", async () => {
    const drain = new Drain();
    const app = createBaseApp({ title: "t", logger: createLogger("t", "silent", false), metrics: createMetrics("t"), dependencies: [drain.dependency] });
    expect((await app.request("/ready")).status).toBe(200);
    drain.draining = true;
    const res = await app.request("/ready");
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: "unavailable", down: { process: "stopping: finishing the requests in flight" } });
  });
});
