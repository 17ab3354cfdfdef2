import { describe, expect, it } from "vitest";
import { childEnv } from "./env.js";

describe("the launcher's child environment", () => {
  it("points the apps at the simulator's port when it runs the simulator", () => {
    expect(childEnv({ PG_SIMULATOR_PORT: "4555" }).PG_BASE_URL).toBe("http://127.0.0.1:4555");
    expect(childEnv({}).PG_BASE_URL).toBe("http://127.0.0.1:3002");
  });

  it("leaves a real gateway's address alone", () => {
    expect(childEnv({ PG_BASE_URL: "https://pg.example", PG_SIMULATOR_PORT: "4555" }).PG_BASE_URL).toBe("https://pg.example");
  });
});
